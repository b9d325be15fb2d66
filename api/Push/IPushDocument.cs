namespace DxyqOpenData.Api.Push;

// The push documents as the shared schemas (schemas/*/v1.json) define them. They are read only after the item passed
// its schema, so the shapes, enumerations and bounds hold; the push API checks what a schema cannot say.

/// <summary>What every push document has: the optional unit and the unit's own key.</summary>
internal interface IPushDocument
{
    string? UnitId { get; }

    /// <summary>The key pushes upsert by (innerId, externalId, the sensor's device id).</summary>
    string Key { get; }
}
