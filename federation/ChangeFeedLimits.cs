namespace DxyqOpenData.Federation;

public static class ChangeFeedLimits
{
    public const int MaxPage = 1000;
    public const int DefaultPage = 500;
    public const int MaxCursorLength = 1024;
}
