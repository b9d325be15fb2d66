namespace DxyqOpenData.Api.Datasets;

public sealed class ReplicaDataset : Dataset
{
    public required string Node { get; set; }
}
