namespace DxyqOpenData.Schemas;

/// <summary>
/// One reason a document fails its schema. <see cref="Path"/> is a JSON Pointer (RFC 6901) to the failing value:
/// <c>/priceCny</c>, <c>/serviceRecord/unitId</c>; a missing required or an unexpected property points at where that
/// property is (or would be), and <c>""</c> is the whole document. <see cref="Kind"/> is the JSON Schema keyword that
/// failed (<c>required</c>, <c>pattern</c>, <c>minimum</c>, <c>multipleOf</c>, <c>enum</c>, <c>additionalProperties</c>,
/// <c>type</c>, <c>format</c>, <c>maxLength</c>, <c>anyOf</c>, …) or <c>json</c> when the text is not JSON.
/// </summary>
public sealed record SchemaError(string Path, string Message, string Kind);
