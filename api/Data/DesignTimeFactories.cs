using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DxyqOpenData.Api.Data;

// Used only by `dotnet ef`: see docs/data-model.md, "Adding a migration". The connection strings are never
// opened when adding a migration or generating a script.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCatalogDbContext>
{
    public SqliteCatalogDbContext CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<SqliteCatalogDbContext>();
        DatabaseSetup.ConfigureSqlite(o, "Data Source=data/design.db");
        return new SqliteCatalogDbContext(o.Options);
    }
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlCatalogDbContext>
{
    public PostgreSqlCatalogDbContext CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<PostgreSqlCatalogDbContext>();
        DatabaseSetup.ConfigurePostgreSql(o, "Host=localhost;Database=dxyq_design");
        return new PostgreSqlCatalogDbContext(o.Options);
    }
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerCatalogDbContext>
{
    public SqlServerCatalogDbContext CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<SqlServerCatalogDbContext>();
        DatabaseSetup.ConfigureSqlServer(o, "Server=localhost;Database=dxyq_design;Trusted_Connection=True;TrustServerCertificate=True");
        return new SqlServerCatalogDbContext(o.Options);
    }
}
