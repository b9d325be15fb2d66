using System.Security.Claims;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.ServiceRecords;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// The rows of the protected sets a caller may see, applied to the query before any OData option, so <c>$filter</c>,
/// <c>$apply</c>, <c>$count</c> and keys only ever narrow it. No navigation leads into these sets from the public ones.
/// </summary>
public static class RecordVisibility
{
    /// <summary>Administrators: all. Unit clients with records.read: their unit's. Voucher systems: voucher-paid ones.</summary>
    public static IQueryable<ServiceRecord> VisibleTo(this IQueryable<ServiceRecord> records, ClaimsPrincipal user)
    {
        if (user.HasScope(Scopes.Admin))
        {
            return records;
        }
        var unit = user.ReadsOwnUnit() ? user.UnitId() : null;
        var vouchers = user.HasScope(Scopes.Vouchers);
        return (unit, vouchers) switch
        {
            (null, false) => records.Where(_ => false),
            (null, true) => records.Where(r => r.PaymentMethod == PaymentMethod.Voucher),
            (_, false) => records.Where(r => r.UnitId == unit),
            _ => records.Where(r => r.UnitId == unit || r.PaymentMethod == PaymentMethod.Voucher),
        };
    }

    /// <summary>Administrators: all. Unit clients with records.read: their unit's. Nobody else.</summary>
    public static IQueryable<Alert> VisibleTo(this IQueryable<Alert> alerts, ClaimsPrincipal user)
    {
        if (user.HasScope(Scopes.Admin))
        {
            return alerts;
        }
        var unit = user.ReadsOwnUnit() ? user.UnitId() : null;
        return unit is null ? alerts.Where(_ => false) : alerts.Where(a => a.UnitId == unit);
    }
}
