using System.Reflection;
using System.Runtime.CompilerServices;

namespace DxyqOpenData.Api.Internals;

/// <summary>
/// Resolves a library's non-public members for one <c>*Internals</c> class: a member that is not there throws
/// <see cref="MissingLibraryMemberException"/> naming the library, its version and the member.
/// </summary>
internal sealed class LibraryInternals(Assembly library)
{
    public string Describe() =>
        $"{library.GetName().Name} {library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? library.GetName().Version?.ToString()}";

    public Type Type(string fullName) =>
        library.GetType(fullName) ?? throw new MissingLibraryMemberException($"{Describe()} has no type {fullName}, which this node uses (see {nameof(Internals)}).");

    public PropertyInfo Property(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } property && property.GetMethod is not null
            ? property
            : throw new MissingLibraryMemberException($"{Describe()} has no property {type.FullName}.{name}, which this node uses (see {nameof(Internals)}).");

    public MethodInfo Setter(Type type, string name) =>
        Property(type, name).GetSetMethod(nonPublic: true)
        ?? throw new MissingLibraryMemberException($"{Describe()} has no setter of {type.FullName}.{name}, which this node uses (see {nameof(Internals)}).");

    /// <summary>Runs an <c>*Internals</c> class's initializer, which resolves its members, and throws its failure as it is.</summary>
    public static void Verify(Type internals)
    {
        try
        {
            RuntimeHelpers.RunClassConstructor(internals.TypeHandle);
        }
        catch (TypeInitializationException e) when (e.InnerException is MissingLibraryMemberException missing)
        {
            throw missing;
        }
    }
}

/// <summary>A library member this node relies on is not in the library version it runs with.</summary>
public sealed class MissingLibraryMemberException(string message) : Exception(message);
