using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// <c>private_key_jwt</c> (RFC 7523) with assertions signed by node's own crypto (tests/tools/client-assertion.js), a
/// client this code base did not write: every algorithm discovery advertises, <c>aud</c> as the issuer or the token
/// endpoint the discovery document names (alone or in an array), and the refusals RFC 6749 calls <c>invalid_client</c>:
/// another server's audience, no <c>jti</c>, a replayed one (also on a second node on the same database), an
/// <c>exp</c> far ahead, an <c>nbf</c> in the future, another key.
/// </summary>
public abstract class ClientAssertionTests(NodeFactory node)
{
    private readonly HttpClient _http = node.CreateClient();

    public sealed record KeyClient(string ClientId, string Alg, JsonObject PrivateJwk);

    private sealed record Discovery(string Issuer, string TokenEndpoint, string[] Algorithms);

    private async Task<Discovery> DiscoverAsync(HttpClient http)
    {
        var document = await http.GetJsonAsync("/.well-known/openid-configuration");
        return new(document["issuer"]!.GetValue<string>(), document["token_endpoint"]!.GetValue<string>(),
            [.. document["token_endpoint_auth_signing_alg_values_supported"]!.AsArray().Select(a => a!.GetValue<string>())]);
    }

    [Theory]
    [InlineData("node.example")]
    [InlineData("10.1.2.3:8443")]
    [InlineData("zj.dxyq.example:5080")]
    public async Task Discovery_names_the_address_it_was_asked_at_for_the_issuer_and_every_endpoint(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Host = host;
        using var response = await _http.SendAsync(request);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var issuer = $"http://{host}/";
        Assert.Equal(issuer, document["issuer"]!.GetValue<string>());
        Assert.Equal(issuer + "connect/token", document["token_endpoint"]!.GetValue<string>());
        Assert.Equal(issuer + ".well-known/jwks", document["jwks_uri"]!.GetValue<string>());
        Assert.Contains("private_key_jwt", document["token_endpoint_auth_methods_supported"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task Every_advertised_algorithm_with_the_issuer_or_the_token_endpoint_as_audience_gets_a_token()
    {
        var discovery = await DiscoverAsync(_http);
        Assert.Superset(new HashSet<string> { "RS256", "PS256", "ES256" }, discovery.Algorithms.ToHashSet());
        var random = new Random(7523);
        JsonNode[] audiences =
        [
            discovery.Issuer, discovery.TokenEndpoint,
            new JsonArray("https://other-node.example/", discovery.TokenEndpoint),
            new JsonArray(discovery.Issuer, "https://other-node.example/connect/token"),
        ];
        var cases = new List<(KeyClient Client, JsonObject Claims)>();
        foreach (var alg in discovery.Algorithms)
        {
            var client = await RegisterAsync(alg);
            foreach (var audience in audiences.OrderBy(_ => random.Next()).Take(2))
            {
                cases.Add((client, Claims(client, audience.DeepClone(), lifetime: TimeSpan.FromSeconds(random.Next(30, 300)))));
            }
        }

        var assertions = Sign(cases);

        for (var i = 0; i < cases.Count; i++)
        {
            var (status, body) = await PostAsync(cases[i].Client, assertions[i]);
            Assert.True(status == HttpStatusCode.OK, $"{cases[i].Client.Alg} aud {cases[i].Claims["aud"]!.ToJsonString()}: {(int)status} {body}");
            var token = body["access_token"]!.GetValue<string>();
            // The token is one the node accepts: a public route with it is not refused.
            Assert.Equal(HttpStatusCode.OK, (await node.WithToken(token).GetAsync("/odata/Units?$top=1")).StatusCode);
        }
    }

    public enum Refusal { ForeignAudience, ForeignAudiences, NoJti, EmptyJti, Replayed, ExpiresFarAhead, NotYetValid, OtherKey }

    [Theory]
    [InlineData(Refusal.ForeignAudience)]
    [InlineData(Refusal.ForeignAudiences)]
    [InlineData(Refusal.NoJti)]
    [InlineData(Refusal.EmptyJti)]
    [InlineData(Refusal.Replayed)]
    [InlineData(Refusal.ExpiresFarAhead)]
    [InlineData(Refusal.NotYetValid)]
    [InlineData(Refusal.OtherKey)]
    public async Task An_assertion_the_node_must_not_accept_is_invalid_client(Refusal refusal)
    {
        var discovery = await DiscoverAsync(_http);
        var random = new Random((int)refusal);
        var client = await RegisterAsync(discovery.Algorithms[random.Next(discovery.Algorithms.Length)]);
        var claims = Claims(client, discovery.TokenEndpoint);
        switch (refusal)
        {
            case Refusal.ForeignAudience: claims["aud"] = "https://other-node.example/connect/token"; break;
            case Refusal.ForeignAudiences: claims["aud"] = new JsonArray("https://other-node.example/", "https://third.example/connect/token"); break;
            case Refusal.NoJti: claims.Remove("jti"); break;
            case Refusal.EmptyJti: claims["jti"] = ""; break;
            case Refusal.ExpiresFarAhead: claims["exp"] = Now() + random.Next(11 * 60 + 310, 30 * 24 * 3600); break;
            case Refusal.NotYetValid: claims["nbf"] = Now() + random.Next(6 * 60, 24 * 3600); break;
        }
        var signer = refusal == Refusal.OtherKey ? (await RegisterAsync(client.Alg)) with { ClientId = client.ClientId } : client;
        var assertion = Sign([(signer, claims)])[0];
        if (refusal == Refusal.Replayed)
        {
            var (first, body) = await PostAsync(client, assertion);
            Assert.True(first == HttpStatusCode.OK, body.ToJsonString());
        }

        var (status, error) = await PostAsync(client, assertion);

        Assert.True(status == HttpStatusCode.Unauthorized, $"{refusal}: {(int)status} {error}");
        Assert.Equal("invalid_client", error["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["error_description"]?.GetValue<string>()));
    }

    [Fact]
    public async Task A_jti_used_at_one_node_is_refused_at_another_on_the_same_database_until_it_expires()
    {
        var client = await RegisterAsync("RS256");
        var discovery = await DiscoverAsync(_http);
        var assertion = Sign([(client, Claims(client, discovery.TokenEndpoint))])[0];
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, assertion)).Status);

        using var second = new NodeFactory(node.Provider, connectionString: node.ConnectionString);
        var (status, error) = await PostAsync(client, assertion, second.CreateClient());

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", error["error"]!.GetValue<string>());
        // The used jti is kept no longer than the assertion lives (plus the clock skew).
        var kept = await node.ScalarAsync<DateTime>($"SELECT expires_at FROM used_client_assertions WHERE client_id = '{client.ClientId}'");
        Assert.InRange(kept.ToUniversalTime(), DateTime.UtcNow, DateTime.UtcNow.AddMinutes(2 + 5 + 1));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static JsonObject Claims(KeyClient client, JsonNode audience, TimeSpan? lifetime = null) => new()
    {
        ["iss"] = client.ClientId, ["sub"] = client.ClientId, ["aud"] = audience, ["jti"] = Guid.NewGuid().ToString(),
        ["iat"] = Now(), ["exp"] = Now() + (long)(lifetime ?? TimeSpan.FromMinutes(2)).TotalSeconds,
    };

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(KeyClient client, string assertion, HttpClient? http = null)
    {
        using var response = await (http ?? _http).PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client.ClientId,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        }));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>A key of the algorithm's kind made here; its public half registered through <c>clients add --jwks</c>.</summary>
    private async Task<KeyClient> RegisterAsync(string alg)
    {
        JsonObject publicJwk, privateJwk;
        if (alg.StartsWith("ES", StringComparison.Ordinal))
        {
            var (curve, name) = alg switch { "ES256" => (ECCurve.NamedCurves.nistP256, "P-256"), "ES384" => (ECCurve.NamedCurves.nistP384, "P-384"), _ => (ECCurve.NamedCurves.nistP521, "P-521") };
            using var ec = ECDsa.Create(curve);
            var p = ec.ExportParameters(true);
            publicJwk = new JsonObject { ["kty"] = "EC", ["crv"] = name, ["x"] = B64(p.Q.X!), ["y"] = B64(p.Q.Y!) };
            privateJwk = (JsonObject)publicJwk.DeepClone();
            privateJwk["d"] = B64(p.D!);
        }
        else
        {
            using var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(true);
            publicJwk = new JsonObject { ["kty"] = "RSA", ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
            privateJwk = (JsonObject)publicJwk.DeepClone();
            foreach (var (key, value) in new[] { ("d", p.D!), ("p", p.P!), ("q", p.Q!), ("dp", p.DP!), ("dq", p.DQ!), ("qi", p.InverseQ!) })
            {
                privateJwk[key] = B64(value);
            }
        }
        publicJwk["use"] = "sig";
        publicJwk["alg"] = alg;
        publicJwk["kid"] = "k1";
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-jwks-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, new JsonObject { ["keys"] = new JsonArray(publicJwk) }.ToJsonString());
        try
        {
            var (exit, output, error) = await node.RunClientsAsync("add", "--name", $"assertion {alg}", "--scopes", "federation", "--jwks", file);
            Assert.True(exit == 0, error);
            return new KeyClient(JsonNode.Parse(output)!["clientId"]!.GetValue<string>(), alg, privateJwk);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string B64(byte[] bytes) => Base64UrlEncoder.Encode(bytes);

    /// <summary>Signs each assertion with node:crypto, one process for all of them.</summary>
    private static string[] Sign(IReadOnlyList<(KeyClient Client, JsonObject Claims)> cases)
    {
        var tools = RepoRoot.File("tests/tools");
        var input = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
        {
            ["alg"] = c.Client.Alg, ["jwk"] = c.Client.PrivateJwk.DeepClone(), ["kid"] = "k1", ["claims"] = c.Claims.DeepClone(),
        })]);
        using var process = Process.Start(new ProcessStartInfo("node", [Path.Combine(tools, "client-assertion.js")])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = tools,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input.ToJsonString());
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "node did not finish within a minute");
        Assert.True(process.ExitCode == 0, $"node failed: {stderr.Result}");
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cases.Count, lines.Length);
        return lines;
    }
}

public sealed class SqliteClientAssertionTests(SqliteNode node) : ClientAssertionTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlClientAssertionTests(PostgreSqlNode node) : ClientAssertionTests(node), IClassFixture<PostgreSqlNode>;
