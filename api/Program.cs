using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddCatalogDatabase();
builder.AddCatalogSecurity();
builder.AddCatalogOData();
builder.AddOperations();

var app = builder.Build();

if (app.Services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
{
    await DatabaseSetup.MigrateAsync(app.Services);
}
await DxyqOpenData.Api.Demo.DemoData.LoadIfEmptyAsync(app.Services);

app.UseRouting();
app.UseOperations();
app.UseNotFoundForUnknownRoutes();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();
app.MapOperations();

app.Run();

public partial class Program;
