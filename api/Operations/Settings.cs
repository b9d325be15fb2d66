using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// The one way the node reads a section of its configuration: bound to an options type
/// (<c>AddOptions&lt;T&gt;().BindConfiguration(section)</c>), checked by the type's data annotations and its
/// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/> (<c>ValidateDataAnnotations</c>), when the host
/// starts (<c>ValidateOnStart</c>): a wrong value stops the node with a message naming the setting (each check's
/// message names its <c>Section:Name</c>; a value that does not convert is named by the binder). The type is injected as
/// itself (its validated value) or as <see cref="IOptions{T}"/>.
/// </summary>
public static class Settings
{
    /// <summary>
    /// Registers <typeparamref name="T"/> as above and returns its value, bound and checked the same way now, for what
    /// the registration itself depends on (the database provider, a switch that adds a service).
    /// <paramref name="complete"/> fills in defaults that depend on other settings, for the value returned and the one injected.
    /// </summary>
    public static T AddSettings<T>(this IHostApplicationBuilder builder, string section, Action<T>? complete = null) where T : class, new()
    {
        var options = builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        if (complete is not null)
        {
            options.PostConfigure(complete);
        }
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);

        var value = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        complete?.Invoke(value);
        if (new DataAnnotationValidateOptions<T>(null).Validate(null, value) is { Failed: true } result)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures);
        }
        return value;
    }
}
