namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>The folder holding DxyqOpenData.sln, found by walking up from the test binaries.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    public static string File(string relative) => System.IO.Path.Combine(Path, relative);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "DxyqOpenData.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No DxyqOpenData.sln above {AppContext.BaseDirectory}.");
    }
}
