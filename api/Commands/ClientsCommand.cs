using System.Security.Cryptography;
using System.Text.Json;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Scopes = DxyqOpenData.Api.Security.Scopes;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>clients add|list|remove</c>: the OAuth clients of unit systems, peers, voucher systems and administrators.
/// Output is JSON on standard output; errors go to standard error with exit code 2. A secret is printed once, by
/// <c>add</c>, and stored only as a hash.
/// </summary>
public static class ClientsCommand
{
    public static readonly string[] Options = ["--name", "--unit", "--scopes", "--jwks"];

    /// <summary>Scopes that act on one unit's data: a client with any of them must be bound to a unit.</summary>
    private static readonly string[] UnitScopes = [Scopes.CatalogWrite, Scopes.RecordsWrite, Scopes.RecordsRead];

    private const string Usage = """
        usage: clients add --name NAME [--unit CREDITCODE] --scopes SCOPE[,SCOPE…] [--jwks FILE]
               clients list
               clients remove CLIENT_ID
        scopes: catalog.write records.write records.read (a unit's client: --unit) | federation vouchers admin (no unit)
        """;

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JsonText.Encoder,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A relative <c>--jwks</c> FILE is taken from <paramref name="callerDirectory"/> (default: the working directory).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr, string? callerDirectory = null)
    {
        try
        {
            if (services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
            {
                await DatabaseSetup.MigrateAsync(services);
            }
            await using var scope = services.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            return args switch
            {
                ["add", .. var rest] => await AddAsync(applications, db, ParseOptions(rest), stdout, callerDirectory ?? Environment.CurrentDirectory),
                ["list"] => await ListAsync(applications, stdout),
                ["remove", var clientId] => await RemoveAsync(applications, clientId, stdout),
                _ => throw new CommandException("unknown or incomplete clients command"),
            };
        }
        catch (CommandException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
    }

    private static async Task<int> AddAsync(IOpenIddictApplicationManager applications, CatalogDbContext db, Dictionary<string, string> options, TextWriter stdout, string callerDirectory)
    {
        var name = options.GetValueOrDefault("--name")?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new CommandException("--name is required (at most 200 characters)");
        }
        var scopes = ParseScopes(options.GetValueOrDefault("--scopes"));
        var unit = options.GetValueOrDefault("--unit")?.Trim().ToUpperInvariant();
        await ValidateUnitAsync(db, unit, scopes);
        var jwks = options.TryGetValue("--jwks", out var file) ? ReadPublicKeySet(Path.GetFullPath(file, callerDirectory)) : null;

        var clientId = $"dxyq-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10))}";
        var secret = jwks is null ? Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)) : null;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = name,
            JsonWebKeySet = jwks,
        };
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
        descriptor.Permissions.UnionWith(scopes.Select(s => Permissions.Prefixes.Scope + s));
        if (unit is not null)
        {
            descriptor.Properties[TokenEndpoint.UnitProperty] = JsonSerializer.SerializeToElement(unit);
        }
        await applications.CreateAsync(descriptor);

        await stdout.WriteLineAsync(JsonSerializer.Serialize(new AddedClient(clientId, secret), Json));
        return 0;
    }

    private static async Task<int> ListAsync(IOpenIddictApplicationManager applications, TextWriter stdout)
    {
        var clients = new List<ListedClient>();
        await foreach (var application in applications.ListAsync())
        {
            var properties = await applications.GetPropertiesAsync(application);
            var permissions = await applications.GetPermissionsAsync(application);
            clients.Add(new ListedClient(
                (await applications.GetClientIdAsync(application))!,
                await applications.GetDisplayNameAsync(application),
                properties.TryGetValue(TokenEndpoint.UnitProperty, out var unit) ? unit.GetString() : null,
                [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.Scope.Length..]).Order(StringComparer.Ordinal)],
                await applications.GetJsonWebKeySetAsync(application) is { Keys.Count: > 0 } ? ClientAuthenticationMethods.PrivateKeyJwt : "client_secret"));
        }
        foreach (var client in clients.OrderBy(c => c.ClientId, StringComparer.Ordinal))
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(client, Json));
        }
        return 0;
    }

    private static async Task<int> RemoveAsync(IOpenIddictApplicationManager applications, string clientId, TextWriter stdout)
    {
        var application = await applications.FindByClientIdAsync(clientId) ?? throw new CommandException($"no client '{clientId}'");
        await applications.DeleteAsync(application);
        await stdout.WriteLineAsync(JsonSerializer.Serialize(new { clientId, removed = true }, Json));
        return 0;
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!Options.Contains(args[i]) || i + 1 >= args.Length)
            {
                throw new CommandException($"unexpected '{args[i]}'");
            }
            options[args[i]] = args[i + 1];
        }
        return options;
    }

    private static List<string> ParseScopes(string? text)
    {
        var scopes = (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0)
        {
            throw new CommandException("--scopes is required");
        }
        if (scopes.FirstOrDefault(s => !Scopes.All.Contains(s)) is { } unknown)
        {
            throw new CommandException($"unknown scope '{unknown}' (known: {string.Join(", ", Scopes.All)})");
        }
        return scopes;
    }

    private static async Task ValidateUnitAsync(CatalogDbContext db, string? unit, List<string> scopes)
    {
        if (unit is null)
        {
            if (scopes.Intersect(UnitScopes).FirstOrDefault() is { } needsUnit)
            {
                throw new CommandException($"scope '{needsUnit}' acts on one unit's data: give --unit CREDITCODE");
            }
            return;
        }
        if (!CreditCode.IsValid(unit))
        {
            throw new CommandException($"'{unit}' is not a valid unified social credit code (18 characters, check character last)");
        }
        if (scopes.Except(UnitScopes).FirstOrDefault() is { } notForUnits)
        {
            throw new CommandException($"scope '{notForUnits}' is not for a unit's client: register it without --unit");
        }
        if (!await db.Units.AnyAsync(u => u.Id == unit))
        {
            throw new CommandException($"no unit '{unit}' in the database (list them at /odata/Units)");
        }
    }

    /// <summary>A JWKS (<c>{"keys":[…]}</c>) or a single JWK; public keys only.</summary>
    private static JsonWebKeySet ReadPublicKeySet(string file)
    {
        JsonWebKeySet set;
        try
        {
            var json = File.ReadAllText(file);
            set = JsonDocument.Parse(json).RootElement.TryGetProperty("keys", out _)
                ? new JsonWebKeySet(json)
                : new JsonWebKeySet { Keys = { new JsonWebKey(json) } };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            throw new CommandException($"cannot read a JSON Web Key Set from '{file}': {e.Message}");
        }
        if (set.Keys.Count == 0 || set.Keys.Any(k => k.Kty is not (JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve)))
        {
            throw new CommandException($"'{file}' must hold RSA or EC public keys");
        }
        if (set.Keys.Any(k => k.HasPrivateKey || k.D is not null))
        {
            throw new CommandException($"'{file}' holds a private key: give the node the public keys only, and keep the private key with the client");
        }
        return set;
    }

    private sealed record AddedClient(string ClientId, string? ClientSecret);

    private sealed record ListedClient(string ClientId, string? Name, string? Unit, string[] Scopes, string AuthMethod);
}

/// <summary>A mistake in a command's arguments: reported on standard error, exit code 2.</summary>
public sealed class CommandException(string message) : Exception(message);
