using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DxyqOpenData.Federation;

internal static class QueryText
{
    public static long Skip(string query) => Value(query, "$skip") ?? 0;
    public static int Top(string query) => (int)(Value(query, "$top") ?? int.MaxValue);

    private static long? Value(string query, string name)
    {
        foreach (var part in query.Split('&'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && Uri.UnescapeDataString(part[..eq]) == name && long.TryParse(part[(eq + 1)..], out var v))
            {
                return v;
            }
        }
        return null;
    }
}
