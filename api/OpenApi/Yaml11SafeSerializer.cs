using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// Writes the document as the library does, except that in YAML a string value YAML 1.1 reads as a boolean or null
/// (<c>off</c>, <c>on</c>, <c>yes</c>, <c>no</c>, <c>y</c>, <c>n</c>, <c>~</c>, in any case) is quoted: code generators
/// on YAML 1.1 parsers would otherwise read the enum member <c>off</c> as <c>false</c>. The library's YAML writer quotes
/// only what YAML 1.2 reads as non-strings.
/// </summary>
internal sealed partial class Yaml11SafeSerializer : ISwaggerDocumentSerializer
{
    public void SerializeDocument(OpenApiDocument document, IOpenApiWriter writer, OpenApiSpecVersion specVersion) =>
        document.SerializeAs(specVersion, writer is OpenApiYamlWriter ? new QuotingWriter(writer) : writer);

    /// <summary>The YAML writer with such values written quoted; everything else passed through.</summary>
    private sealed partial class QuotingWriter(IOpenApiWriter inner) : IOpenApiWriter
    {
        public void WriteValue(string value)
        {
            if (Yaml11Scalar().IsMatch(value))
            {
                inner.WriteRaw($"'{value}'");
                return;
            }
            inner.WriteValue(value);
        }

        public void WriteStartObject() => inner.WriteStartObject();
        public void WriteEndObject() => inner.WriteEndObject();
        public void WriteStartArray() => inner.WriteStartArray();
        public void WriteEndArray() => inner.WriteEndArray();
        public void WritePropertyName(string name) => inner.WritePropertyName(name);
        public void WriteRaw(string value) => inner.WriteRaw(value);
        public void WriteValue(decimal value) => inner.WriteValue(value);
        public void WriteValue(int value) => inner.WriteValue(value);
        public void WriteValue(bool value) => inner.WriteValue(value);
        public void WriteNull() => inner.WriteNull();
        public void WriteValue(object value) => inner.WriteValue(value);
        public Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        [GeneratedRegex("^(y|yes|n|no|true|false|on|off|null|~)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
        private static partial Regex Yaml11Scalar();
    }
}
