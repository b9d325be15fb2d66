using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Text;

namespace DxyqOpenData.Federation;

/// <summary>A query the client wrote wrong (or a nextLink it changed): 400.</summary>
public sealed class FederationQueryException(string message, string? target = null) : Exception(message)
{
    public string? Target => target;
}
