using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Security;

/// <summary><c>clients add|list|remove</c>, run in process on a node's services as the api program runs them.</summary>
public sealed class ClientsCommandTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    private async Task<string> UnitAsync() => (await node.RowsAsync("SELECT id FROM units ORDER BY id"))[0][0]!.ToString()!;

    [Fact]
    public async Task Add_prints_the_secret_once_as_json_and_list_never_prints_it()
    {
        var unit = await UnitAsync();
        var (exit, output, _) = await node.RunClientsAsync("add", "--name", "LIMS of a unit", "--unit", unit, "--scopes", "records.read,records.write");

        Assert.Equal(0, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var added = JsonNode.Parse(line)!.AsObject();
        var clientId = added["clientId"]!.GetValue<string>();
        var secret = added["clientSecret"]!.GetValue<string>();
        Assert.True(secret.Length >= 40);
        // Stored as a hash only.
        var stored = (await node.RowsAsync($"SELECT client_secret FROM openiddict_applications WHERE client_id = '{clientId}'"))[0][0]!.ToString()!;
        Assert.DoesNotContain(secret, stored);

        var (listExit, list, _) = await node.RunClientsAsync("list");

        Assert.Equal(0, listExit);
        Assert.DoesNotContain(secret, list);
        var clients = list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.All(clients, c => Assert.DoesNotContain(c, p => p.Key.Contains("secret", StringComparison.OrdinalIgnoreCase)));
        var listed = clients.Single(c => c["clientId"]!.GetValue<string>() == clientId);
        Assert.Equal("LIMS of a unit", listed["name"]!.GetValue<string>());
        Assert.Equal(unit, listed["unit"]!.GetValue<string>());
        Assert.Equal(["records.read", "records.write"], listed["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("client_secret", listed["authMethod"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_key_client_is_listed_with_private_key_jwt_and_a_removed_client_gets_no_more_tokens()
    {
        var http = node.CreateClient();
        var keyed = await node.AddKeyClientAsync("records.read", await UnitAsync());
        var (_, list, _) = await node.RunClientsAsync("list");
        Assert.Contains(list.Split('\n', StringSplitOptions.RemoveEmptyEntries), l =>
            l.Contains(keyed.ClientId, StringComparison.Ordinal) && l.Contains("\"authMethod\":\"private_key_jwt\"", StringComparison.Ordinal));

        var client = await node.AddClientAsync("vouchers");
        await http.TokenAsync(client);
        var (exit, output, _) = await node.RunClientsAsync("remove", client.ClientId);

        Assert.Equal(0, exit);
        Assert.Contains(client.ClientId, output);
        Assert.Contains("invalid_client", (await http.RequestTokenAsync(client)).Raw);
        Assert.Equal(2, (await node.RunClientsAsync("remove", client.ClientId)).Exit);
    }

    [Theory]
    [InlineData("--scopes", "records.read,reports", "unknown scope 'reports'")]
    [InlineData("--unit", "12345", "not a valid unified social credit code")]
    [InlineData("--unit", "91330100MA2XXXXXX0", "not a valid unified social credit code")]
    [InlineData("--unit", "NOT-IN-DB", "no unit")]
    [InlineData("--scopes", "records.read", "give --unit")]
    [InlineData("--scopes", "admin", "not for a unit's client")]
    public async Task Bad_arguments_are_a_clear_error_with_exit_code_2(string option, string value, string message)
    {
        var unit = option == "--unit" ? value : await UnitAsync();
        if (value == "NOT-IN-DB")
        {
            unit = CreditCode.Create("12", "330100", "ZZ000001".Replace('Z', 'Y'));
            Assert.Empty(await node.RowsAsync($"SELECT id FROM units WHERE id = '{unit}'"));
        }
        var scopes = option == "--scopes" ? value : "records.read";
        string[] args = option == "--scopes" && value is "records.read"
            ? ["add", "--name", "x", "--scopes", scopes]
            : ["add", "--name", "x", "--unit", unit, "--scopes", scopes];

        var (exit, output, error) = await node.RunClientsAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task A_jwks_holding_a_private_key_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(true);
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-private-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            kty = "RSA",
            n = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(p.Modulus),
            e = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(p.Exponent),
            d = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(p.D),
        }));
        try
        {
            var (exit, output, error) = await node.RunClientsAsync("add", "--name", "x", "--unit", await UnitAsync(), "--scopes", "records.read", "--jwks", file);
            Assert.Equal(2, exit);
            Assert.Empty(output);
            Assert.Contains("private key", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_command_keeps_its_options_and_passes_host_options_on()
    {
        var (command, host) = AdminCommands.Split(["clients", "add", "--name", "x", "--Database:Provider", "PostgreSql", "--scopes", "admin", "--urls=http://127.0.0.1:1"]);

        Assert.Equal(["clients", "add", "--name", "x", "--scopes", "admin"], command);
        Assert.Equal(["--Database:Provider", "PostgreSql", "--urls=http://127.0.0.1:1"], host);
    }
}
