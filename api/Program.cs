using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Demo;
using DxyqOpenData.Api.Federation;
using DxyqOpenData.Api.Imports;
using DxyqOpenData.Api.OpenApi;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Schemas;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.Vouchers;
using DxyqOpenData.Api.Supervision;

// `dotnet run --project api -- openapi [FILE]` and other administrator commands: see Commands/AdminCommands.cs.
var (command, hostArgs) = AdminCommands.Split(args);

var builder = WebApplication.CreateBuilder(hostArgs);
AdminCommands.Configure(builder, command);

NodeOptions.Add(builder);
builder.AddCatalogDatabase();
builder.AddDemoData();
builder.AddCatalogSecurity();
builder.AddCatalogOData();
builder.AddCatalogSwagger();
builder.AddOperations();
builder.AddErrorHandling();
builder.AddSensorBridge();
builder.AddFederation();
builder.AddPush();
builder.AddImports();
builder.AddVouchers();
builder.AddSupervision();

var app = builder.Build();

app.UseErrorHandling();
app.UseODataStatusBodies();
app.UseCatalogSwagger();
app.UseRouting();
app.UseOperations();
// Authentication first: OpenIddict answers discovery and JWKS itself, from the authentication middleware.
app.UseTokenRequestForms();
app.UseAuthentication();
app.UseBearerTokenGate();
app.UseNotFoundForUnknownRoutes();
app.UseAuthorization();
app.MapControllers();
app.MapTokenEndpoint();
app.MapOperations();
app.MapSchemas();
app.MapFederation();
app.MapPush();
app.MapPushDelete();
app.MapSensors();
app.MapImports();
app.MapVouchers();
app.MapSupervision();

if (command.Length > 0)
{
    return await AdminCommands.RunAsync(app, command);
}

if (app.Services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
{
    await DatabaseSetup.MigrateAsync(app.Services);
    await SupervisionSetup.StartAsync(app.Services);
}
await FederationLinkKey.LoadAsync(app.Services);
await DemoData.LoadIfEmptyAsync(app.Services);

app.Run();
return 0;

public partial class Program;
