using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// A request that brings a token the node does not accept is refused on every route, public ones included (401 with
/// <c>WWW-Authenticate: Bearer error="invalid_token"</c>), instead of being served as anonymous; a token whose
/// <c>nbf</c> is in the future is one of them; a token in the query string is not read and says so.
/// </summary>
public abstract class BearerTokenTests(NodeFactory node)
{
    private static readonly string[] PublicRoutes =
    [
        "/odata/Units?$top=1", "/odata/Instruments?$top=1&$select=id", "/odata/UsageSessions?$top=1", "/odata/Sensors?$top=1",
        "/odata/$metadata", "/schemas", "/federation/peers", "/odata/Datasets?$top=1",
    ];

    public enum Craft { Valid, Expired, NotYetValid, WrongAudience, ForeignIssuer, ForeignKey, Garbage }

    [Fact]
    public async Task A_broken_token_on_a_public_route_is_401_and_a_good_one_or_none_is_served()
    {
        var random = new Random(6750);
        foreach (var craft in Enum.GetValues<Craft>())
        {
            foreach (var route in PublicRoutes.OrderBy(_ => random.Next()).Take(3))
            {
                var token = Mint(craft, random);
                using var response = await node.WithToken(token).GetAsync(route);

                if (craft == Craft.Valid)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{craft} {route}: {(int)response.StatusCode}");
                    continue;
                }
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{craft} {route}: {(int)response.StatusCode}");
                var challenge = response.Headers.WwwAuthenticate.ToString();
                Assert.Contains("Bearer", challenge);
                Assert.Contains("error=\"invalid_token\"", challenge);
                // Anonymous, the same route answers.
                Assert.Equal(HttpStatusCode.OK, (await node.CreateClient().GetAsync(route)).StatusCode);
            }
        }
    }

    [Fact]
    public async Task A_token_not_valid_yet_is_refused_on_protected_routes_and_valid_once_its_nbf_has_passed()
    {
        var random = new Random(19);
        var unit = (await node.RowsAsync("SELECT unit_id FROM service_records"))[0][0]!.ToString()!.Trim();
        for (var i = 0; i < 6; i++)
        {
            // Beyond the 5-minute clock skew OpenIddict allows on exp: from 6 minutes to 30 days ahead.
            var ahead = TimeSpan.FromSeconds(random.Next(6 * 60, 30 * 24 * 3600));
            var notYet = Mint(Craft.Valid, random, unit, notBefore: DateTime.UtcNow + ahead);
            var already = Mint(Craft.Valid, random, unit, notBefore: DateTime.UtcNow - TimeSpan.FromSeconds(random.Next(0, 3600)));

            using var refused = await node.WithToken(notYet).GetAsync("/odata/ServiceRecords?$top=1");
            using var served = await node.WithToken(already).GetAsync("/odata/ServiceRecords?$top=1");

            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"nbf +{ahead}: {(int)refused.StatusCode}");
            Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString());
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
    }

    [Fact]
    public async Task A_token_in_the_query_string_is_not_accepted_and_the_answer_says_where_it_belongs()
    {
        var token = Mint(Craft.Valid, new Random(1));
        foreach (var route in PublicRoutes.Append("/odata/ServiceRecords?$top=1"))
        {
            var separator = route.Contains('?') ? '&' : '?';
            using var response = await node.CreateClient().GetAsync($"{route}{separator}access_token={token}");

            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route}: {(int)response.StatusCode}");
            var challenge = response.Headers.WwwAuthenticate.ToString();
            Assert.Contains("error=\"invalid_request\"", challenge);
            Assert.Contains("Authorization", challenge);
        }
    }

    /// <summary>A token as the node mints them (its own key, issuer, audience), but for <paramref name="craft"/>.</summary>
    private string Mint(Craft craft, Random random, string? unit = null, DateTime? notBefore = null)
    {
        if (craft == Craft.Garbage)
        {
            var bytes = new byte[random.Next(8, 400)];
            random.NextBytes(bytes);
            return Base64UrlEncoder.Encode(bytes);
        }
        var key = craft == Craft.ForeignKey
            ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = "sig-1" }
            : node.Services.GetRequiredService<SigningKeyStore>().Load()[0];
        var now = DateTime.UtcNow;
        var expired = craft == Craft.Expired ? TimeSpan.FromSeconds(random.Next(16 * 60, 48 * 3600)) : TimeSpan.Zero;
        var nbf = notBefore ?? (craft == Craft.NotYetValid ? now.AddSeconds(random.Next(6 * 60, 7 * 24 * 3600)) : now - expired - TimeSpan.FromMinutes(20));
        List<Claim> claims = [new("sub", "crafted"), new("client_id", "crafted"), new("scope", unit is null ? "federation" : "records.read"), new("jti", Guid.NewGuid().ToString())];
        if (unit is not null) claims.Add(new Claim(Policies.UnitIdClaim, unit));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = craft == Craft.ForeignIssuer ? "https://another-node.example/" : Clients.Issuer,
            Audience = craft == Craft.WrongAudience ? "dxyq-sh" : "dxyq-zj",
            IssuedAt = nbf < now ? nbf : now,
            NotBefore = nbf,
            Expires = (nbf > now ? nbf : now) - expired + TimeSpan.FromMinutes(10),
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}

public sealed class SqliteBearerTokenTests(SqliteNode node) : BearerTokenTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlBearerTokenTests(PostgreSqlNode node) : BearerTokenTests(node), IClassFixture<PostgreSqlNode>;
