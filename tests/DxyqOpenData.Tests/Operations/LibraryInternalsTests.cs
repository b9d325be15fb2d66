using DxyqOpenData.Api.Internals;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Operations;

/// <summary>
/// The library members the node reaches past the public API (api/Internals) exist in the package versions it is built
/// with: resolving them all fails on a package bump that renamed or removed one, and a missing one is named with the
/// library and its version.
/// </summary>
public sealed class LibraryInternalsTests
{
    [Fact]
    public void Every_fenced_member_resolves_in_the_referenced_library()
    {
        ODataInternals.Verify();

        // And they do what the node relies on: the route container set on a context built without a request.
        var model = DxyqOpenData.Api.Catalog.CatalogEdmModel.Get();
        var context = new ODataQueryContext(model, typeof(DxyqOpenData.Api.Instruments.Instrument), null);
        var services = new ServiceCollection().BuildServiceProvider();
        ODataInternals.SetRequestContainer(context, services);
        Assert.Same(services, context.RequestContainer);
    }

    [Fact]
    public void A_missing_member_is_named_with_the_library_and_its_version()
    {
        var library = typeof(ODataQueryContext).Assembly;
        var version = library.GetName().Version!;
        var internals = new LibraryInternals(library);
        var missing = Assert.Throws<MissingLibraryMemberException>(() => internals.Property(typeof(ODataQueryContext), "NoSuchMember"));
        Assert.Contains("Microsoft.AspNetCore.OData", missing.Message, StringComparison.Ordinal);
        Assert.Contains($"{version.Major}.{version.Minor}.{version.Build}", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ODataQueryContext.NoSuchMember", missing.Message, StringComparison.Ordinal);
        Assert.Throws<MissingLibraryMemberException>(() => internals.Setter(typeof(ODataQueryContext), nameof(ODataQueryContext.Model) + "X"));
    }
}
