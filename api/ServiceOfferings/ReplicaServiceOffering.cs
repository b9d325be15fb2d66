namespace DxyqOpenData.Api.ServiceOfferings;

public sealed class ReplicaServiceOffering : ServiceOffering
{
    public required string Node { get; set; }
}
