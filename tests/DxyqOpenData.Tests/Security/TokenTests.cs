using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Tests.Infrastructure;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// Tokens from <c>/connect/token</c> over HTTP (secret basic and post, private_key_jwt), and the tokens the node must
/// refuse. Each refused token differs from an accepted, otherwise identical one in one respect only.
/// </summary>
public abstract class TokenTests(NodeFactory node)
{
    private const string Records = "/odata/ServiceRecords?$top=1&$select=id,unitId";
    private const string Audience = "dxyq-zj";
    private readonly HttpClient _http = node.CreateClient();

    private async Task<string> UnitWithRecordsAsync() =>
        (string)(await node.RowsAsync("SELECT unit_id FROM service_records GROUP BY unit_id ORDER BY COUNT(*) DESC, unit_id"))[0][0]!;

    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader)]
    [InlineData(ClientCredentialStyle.PostBody)]
    public async Task A_secret_client_gets_a_signed_jwt_bound_to_its_unit(ClientCredentialStyle style)
    {
        var unit = (await UnitWithRecordsAsync()).Trim();
        var client = await node.AddClientAsync("records.read", unit);

        var response = await _http.RequestTokenAsync(client, "records.read", style);

        Assert.False(response.IsError, response.ErrorDescription);
        Assert.Equal("Bearer", response.TokenType);
        Assert.InRange(response.ExpiresIn, 890, 900); // 15 minutes, less the seconds the request took
        var jwt = new JsonWebToken(response.AccessToken);
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.StartsWith("sig-", jwt.Kid);
        Assert.Equal(Clients.Issuer, jwt.Issuer);
        Assert.Equal([Audience], jwt.Audiences);
        Assert.Equal(unit, jwt.GetClaim(Policies.UnitIdClaim).Value);
        Assert.Equal("records.read", jwt.GetClaim("scope").Value);
        Assert.Equal(HttpStatusCode.OK, (await node.WithToken(response.AccessToken!).GetAsync(Records)).StatusCode);
    }

    [Fact]
    public async Task A_key_client_authenticates_with_private_key_jwt()
    {
        var client = await node.AddKeyClientAsync("records.read", (await UnitWithRecordsAsync()).Trim());

        var token = await _http.TokenAsync(client, "records.read");
        Assert.Equal(HttpStatusCode.OK, (await node.WithToken(token).GetAsync(Records)).StatusCode);

        // The same client id with an assertion signed by some other key, or addressed to another server: refused.
        using var other = RSA.Create(2048);
        var forged = await _http.RequestTokenAsync(client with { Key = other }, "records.read");
        Assert.Contains("invalid_client", forged.Raw);
        var misaddressed = await _http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(_http.BaseAddress!, "/connect/token").ToString(),
            ClientId = client.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion
            {
                Type = Duende.IdentityModel.OidcConstants.ClientAssertionTypes.JwtBearer,
                Value = Clients.Assertion(client.ClientId, client.Key!, audience: "https://other-node.example/"),
            },
        });
        Assert.True(misaddressed.IsError);
    }

    [Fact]
    public async Task A_wrong_secret_or_a_grant_other_than_client_credentials_gets_no_token()
    {
        var client = await node.AddClientAsync("records.read", (await UnitWithRecordsAsync()).Trim());

        var wrong = await _http.RequestTokenAsync(client with { ClientSecret = "not-the-secret" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.HttpStatusCode);
        Assert.Contains("invalid_client", wrong.Raw);
        var password = await _http.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = new Uri(_http.BaseAddress!, "/connect/token").ToString(),
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            UserName = "someone",
            Password = "x",
        });
        Assert.Equal("unsupported_grant_type", password.Error);
        // A scope the client was not registered with.
        Assert.True((await _http.RequestTokenAsync(client, "admin")).IsError);
    }

    [Theory]
    [InlineData("grant_type=client_credentials&client_id=%00&client_secret=x")]
    [InlineData("grant_type=client_credentials&LONGKEY=1")]
    public async Task A_form_that_cannot_be_read_is_invalid_request_not_500(string form)
    {
        var body = form.Replace("LONGKEY", new string('k', 3000), StringComparison.Ordinal);
        using var response = await _http.PostAsync("/connect/token", new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("invalid_request", json["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(json["error_description"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Clients_without_a_unit_carry_no_unit_claim_and_no_scope_asked_means_every_registered_scope()
    {
        var token = await _http.TokenAsync(await node.AddClientAsync("admin,vouchers"));

        var jwt = new JsonWebToken(token);
        Assert.False(jwt.TryGetClaim(Policies.UnitIdClaim, out _));
        Assert.Equal(["admin", "vouchers"], jwt.GetClaim("scope").Value.Split(' ').Order());
    }

    [Fact]
    public async Task Anonymous_is_401_and_a_missing_scope_is_403()
    {
        var unit = (await UnitWithRecordsAsync()).Trim();
        using var anonymous = await _http.GetAsync(Records);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer", anonymous.Headers.WwwAuthenticate.ToString());

        var writer = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("records.write", unit)));
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync(Records)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync("/odata/Alerts")).StatusCode);

        var vouchers = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("vouchers")));
        Assert.Equal(HttpStatusCode.Forbidden, (await vouchers.GetAsync("/odata/Alerts")).StatusCode);

        var peer = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("federation")));
        Assert.Equal(HttpStatusCode.Forbidden, (await peer.GetAsync(Records)).StatusCode);
    }

    /// <summary>
    /// What Swagger UI's Authorize does with the document's oauth2 scheme: resolve the token URL against the page, post
    /// client credentials (Basic header, scopes space-separated), then "Try it out" sends the bearer.
    /// </summary>
    [Fact]
    public async Task Swagger_ui_authorize_gets_a_token_from_the_documented_relative_url_and_try_it_out_reads_records()
    {
        var document = await _http.GetJsonAsync("/swagger/v1/swagger.json");
        var scheme = document["components"]!["securitySchemes"]!["oauth2"]!;
        var tokenUrl = scheme["flows"]!["clientCredentials"]!["tokenUrl"]!.GetValue<string>();
        Assert.Equal("/connect/token", tokenUrl);
        Assert.True(document["paths"]!.AsObject().ContainsKey("/odata/ServiceRecords"));
        var client = await node.AddClientAsync("records.read", (await UnitWithRecordsAsync()).Trim());

        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(_http.BaseAddress!, "/swagger/index.html"), tokenUrl))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "records.read" }),
        };
        tokenRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client.ClientId}:{client.ClientSecret}")));
        using var tokenResponse = await _http.SendAsync(tokenRequest);
        var token = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();

        using var tryItOut = new HttpRequestMessage(HttpMethod.Get, "/odata/ServiceRecords?$top=2");
        tryItOut.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var records = await _http.SendAsync(tryItOut);
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
    }

    public enum Craft { Valid, Expired, WrongAudience, ForeignIssuer, ForeignKey, AlgNone, Tampered }

    [Theory]
    [InlineData(Craft.Valid, HttpStatusCode.OK)]
    [InlineData(Craft.Expired, HttpStatusCode.Unauthorized)]
    [InlineData(Craft.WrongAudience, HttpStatusCode.Unauthorized)]
    [InlineData(Craft.ForeignIssuer, HttpStatusCode.Unauthorized)]
    [InlineData(Craft.ForeignKey, HttpStatusCode.Unauthorized)]
    [InlineData(Craft.AlgNone, HttpStatusCode.Unauthorized)]
    [InlineData(Craft.Tampered, HttpStatusCode.Unauthorized)]
    public async Task Only_tokens_this_node_signed_for_itself_and_still_valid_are_accepted(Craft craft, HttpStatusCode expected)
    {
        var unit = (await UnitWithRecordsAsync()).Trim();
        var token = craft switch
        {
            Craft.AlgNone => Unsigned(await _http.TokenAsync(await node.AddClientAsync("records.read", unit))),
            Craft.Tampered => await TamperedAsync(await _http.TokenAsync(await node.AddClientAsync("records.read", unit))),
            _ => Mint(unit, craft),
        };

        using var response = await node.WithToken(token).GetAsync(Records);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
        }
    }

    /// <summary>A token as the node mints them, signed with the node's own key, but for <paramref name="craft"/>.</summary>
    private string Mint(string unit, Craft craft)
    {
        var key = craft == Craft.ForeignKey
            ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = "sig-1" }
            : node.Services.GetRequiredService<SigningKeyStore>().Load()[0];
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = craft == Craft.ForeignIssuer ? "https://another-node.example/" : Clients.Issuer,
            Audience = craft == Craft.WrongAudience ? "dxyq-sh" : Audience,
            IssuedAt = craft == Craft.Expired ? now.AddHours(-2) : now,
            NotBefore = craft == Craft.Expired ? now.AddHours(-2) : now,
            Expires = craft == Craft.Expired ? now.AddHours(-1) : now.AddMinutes(10),
            Subject = new ClaimsIdentity([
                new Claim("sub", "crafted"), new Claim("client_id", "crafted"), new Claim("scope", "records.read"),
                new Claim(Policies.UnitIdClaim, unit), new Claim("jti", Guid.NewGuid().ToString())]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The node's own token, its unit changed to another one, its signature kept.</summary>
    private async Task<string> TamperedAsync(string token)
    {
        var other = (await node.RowsAsync("SELECT unit_id FROM service_records GROUP BY unit_id ORDER BY COUNT(*) DESC, unit_id"))[1][0]!.ToString()!.Trim();
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        Assert.NotEqual(other, payload[Policies.UnitIdClaim]!.GetValue<string>());
        payload[Policies.UnitIdClaim] = other;
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
    }

    /// <summary>The node's own token with <c>alg: none</c> and no signature.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        return $"{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"at+jwt"}"""))}.{parts[1]}.";
    }
}

public sealed class SqliteTokenTests(SqliteNode node) : TokenTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlTokenTests(PostgreSqlNode node) : TokenTests(node), IClassFixture<PostgreSqlNode>;
