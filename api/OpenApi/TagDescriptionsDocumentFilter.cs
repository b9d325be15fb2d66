using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// Describes the tags of the REST routes (the OData sets' tags are described from the EDM by
/// <see cref="ODataDocumentFilter"/>), so every group in Swagger UI says what it is for.
/// </summary>
internal sealed class TagDescriptionsDocumentFilter : IDocumentFilter
{
    internal static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Federation"] = "长三角联邦查询: federated catalog queries over this node and its peer regional nodes, and the peers' health.",
        ["Imports"] = "月度定格式导入: fixed-format monthly files (CSV UTF-8/GB18030, XLSX) for units without a connected system.",
        ["Operations"] = "Liveness, readiness and Prometheus metrics for the node's operators.",
        ["Push"] = "数据推送: unit systems push their own instruments, offerings, service records, datasets and sensors (OAuth 2.0).",
        ["Schemas"] = "共享数据标准: the shared, versioned JSON Schemas (draft-07) every exchanged document follows.",
        ["Sensors"] = "物联网传感器: the sensor bridge's administration (dead letters).",
        ["Vouchers"] = "创新券: voucher systems' claims (the evidence of the on-platform flow, seamless redemption) and reconciliations of their ledgers.",
        ["Reports"] = "省级报告: the purchase review (购置评议, JSON or a printable A4 page) and the yearly evaluation of units (绩效评价). Administrators.",
        ["Supervision"] = "动态监管: the working-day calendar, the alert sweep, alert explanations and the utilization report (rates).",
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Tags is null)
        {
            return;
        }
        foreach (var tag in document.Tags)
        {
            if (string.IsNullOrEmpty(tag.Description) && tag.Name is { } name && Descriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }
}
