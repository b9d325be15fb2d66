namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// The stable <c>type</c> of each RFC 9457 problem this node answers outside OData; docs/errors.md lists them.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:dxyq:problem:";

    public const string NotFound = Prefix + "not-found";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string Validation = Prefix + "validation";
    public const string Conflict = Prefix + "conflict";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string ServerError = Prefix + "server-error";
    public const string BelowReviewThreshold = Prefix + "below-review-threshold";
}
