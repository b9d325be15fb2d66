using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Tests.Infrastructure;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DxyqOpenData.Tests.Security;

/// <summary>A registered client: its id and, unless it authenticates with a key, its secret.</summary>
public sealed record RegisteredClient(string ClientId, string? ClientSecret, RSA? Key = null);

/// <summary>
/// Registers clients through the <c>clients</c> command (in process, on the node's own services) and gets real tokens
/// from the node's <c>/connect/token</c> with Duende.IdentityModel.
/// </summary>
public static class Clients
{
    /// <summary>
    /// The issuer a test node has: Auth:Issuer is not set, so it is the address asked, and the test client asks at
    /// <c>http://localhost/</c>. Client assertions are addressed to it.
    /// </summary>
    public const string Issuer = "http://localhost/";

    public static async Task<(int Exit, string Out, string Err)> RunClientsAsync(this NodeFactory node, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await ClientsCommand.RunAsync(node.Services, args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static async Task<RegisteredClient> AddClientAsync(this NodeFactory node, string scopes, string? unit = null, string name = "test")
    {
        string[] args = unit is null ? ["add", "--name", name, "--scopes", scopes] : ["add", "--name", name, "--unit", unit, "--scopes", scopes];
        var (exit, output, error) = await node.RunClientsAsync(args);
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!;
        return new RegisteredClient(json["clientId"]!.GetValue<string>(), json["clientSecret"]!.GetValue<string>());
    }

    /// <summary>A client that authenticates with private_key_jwt: an RSA key made here, its public JWKS given to the node.</summary>
    public static async Task<RegisteredClient> AddKeyClientAsync(this NodeFactory node, string scopes, string unit)
    {
        var rsa = RSA.Create(2048);
        var jwks = Path.Combine(Path.GetTempPath(), $"dxyq-jwks-{Guid.NewGuid():N}.json");
        var p = rsa.ExportParameters(false);
        await File.WriteAllTextAsync(jwks, JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-1", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } },
        }));
        try
        {
            var (exit, output, error) = await node.RunClientsAsync("add", "--name", "keyed", "--unit", unit, "--scopes", scopes, "--jwks", jwks);
            Assert.True(exit == 0, error);
            var json = JsonNode.Parse(output)!.AsObject();
            Assert.False(json.ContainsKey("clientSecret"), "a key client has no secret");
            return new RegisteredClient(json["clientId"]!.GetValue<string>(), null, rsa);
        }
        finally
        {
            File.Delete(jwks);
        }
    }

    public static Task<TokenResponse> RequestTokenAsync(this HttpClient http, RegisteredClient client, string? scope = null,
        ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = new Uri(http.BaseAddress!, "/connect/token").ToString(),
            ClientId = client.ClientId,
            Scope = scope,
            // A client assertion travels in the body (RFC 7523), never with an Authorization header.
            ClientCredentialStyle = client.Key is null ? style : ClientCredentialStyle.PostBody,
        };
        if (client.Key is { } key)
        {
            request.ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = Assertion(client.ClientId, key) };
        }
        else
        {
            request.ClientSecret = client.ClientSecret;
        }
        return http.RequestClientCredentialsTokenAsync(request);
    }

    public static async Task<string> TokenAsync(this HttpClient http, RegisteredClient client, string? scope = null)
    {
        var response = await http.RequestTokenAsync(client, scope);
        Assert.False(response.IsError, $"token request failed: {response.Error} {response.ErrorDescription}");
        return response.AccessToken!;
    }

    /// <summary>
    /// A client assertion (RFC 7523) signed with the client's private key, addressed to the node's issuer, typed
    /// <c>client-authentication+jwt</c> as OpenIddict 7 requires (a plain <c>JWT</c> type is refused).
    /// </summary>
    public static string Assertion(string clientId, RSA key, string audience = Issuer) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        TokenType = "client-authentication+jwt",
        Issuer = clientId,
        Audience = audience,
        Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, clientId), new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString())]),
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow,
        Expires = DateTime.UtcNow.AddMinutes(2),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "test-1" }, SecurityAlgorithms.RsaSha256),
    });

    public static HttpClient WithToken(this NodeFactory node, string token)
    {
        var http = node.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
