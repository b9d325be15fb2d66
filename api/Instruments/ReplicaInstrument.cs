namespace DxyqOpenData.Api.Instruments;

/// <summary>A peer's instrument, as its change feed gave it (the public columns; contacts are never sent).</summary>
public sealed class ReplicaInstrument : Instrument
{
    public required string Node { get; set; }
}
