using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Datasets;

[DataContract]
public enum DatasetAccess
{
    [EnumMember(Value = "open")] Open,
    [EnumMember(Value = "onRequest")] OnRequest,
    [EnumMember(Value = "restricted")] Restricted,
}
