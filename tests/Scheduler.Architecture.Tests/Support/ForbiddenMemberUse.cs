using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Scheduler.Architecture.Tests.Support;

/// <summary>
/// Finds members an assembly calls that read the clock or draw unseeded randomness. NetArchTest sees type dependencies only, and
/// <c>DateTime</c> itself is fine in pure code (a snapshot carries its time); the call to <c>DateTime.UtcNow</c> is not. Every
/// member an assembly's IL calls on another assembly's type is a row of its MemberRef table, so reading that table finds each
/// such call without decoding method bodies (a call the compiler removed is not there, and then it does not run either).
/// </summary>
internal static class ForbiddenMemberUse
{
    /// <summary>
    /// (declaring type, member name, parameter count or null for any): the clock, unseeded randomness, and the process's
    /// environment variables and command line. <c>System.Environment</c> is checked by member, not as a type: every
    /// compiler-generated iterator reads <c>Environment.CurrentManagedThreadId</c>, which is no I/O.
    /// </summary>
    private static readonly (string Type, string Member, int? Parameters)[] Forbidden =
    [
        ("System.DateTime", "get_Now", null),
        ("System.DateTime", "get_UtcNow", null),
        ("System.DateTime", "get_Today", null),
        ("System.DateTimeOffset", "get_Now", null),
        ("System.DateTimeOffset", "get_UtcNow", null),
        ("System.TimeProvider", "get_System", null),
        ("System.Environment", "get_TickCount", null),
        ("System.Environment", "get_TickCount64", null),
        ("System.Diagnostics.Stopwatch", "GetTimestamp", null),
        ("System.Diagnostics.Stopwatch", "StartNew", null),
        ("System.Guid", "NewGuid", null),
        ("System.Random", "get_Shared", null),
        ("System.Random", ".ctor", 0),
        ("System.Environment", "GetEnvironmentVariable", null),
        ("System.Environment", "GetEnvironmentVariables", null),
        ("System.Environment", "SetEnvironmentVariable", null),
        ("System.Environment", "ExpandEnvironmentVariables", null),
        ("System.Environment", "GetCommandLineArgs", null),
        ("System.Environment", "get_CommandLine", null),
    ];

    /// <summary>"Type::Member" for each forbidden member the assembly at <paramref name="path"/> calls.</summary>
    public static IReadOnlyList<string> In(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue; // members of generic instantiations or of this assembly's own types: none of the forbidden ones
            }

            var parent = reader.GetTypeReference((TypeReferenceHandle)member.Parent);
            var type = $"{reader.GetString(parent.Namespace)}.{reader.GetString(parent.Name)}";
            var name = reader.GetString(member.Name);
            foreach (var (forbiddenType, forbiddenMember, parameters) in Forbidden)
            {
                if (type == forbiddenType && name == forbiddenMember && (parameters is null || ParameterCount(reader, member) == parameters))
                {
                    found.Add($"{type}::{name}");
                }
            }
        }

        return [.. found];
    }

    private static int ParameterCount(MetadataReader reader, MemberReference member)
    {
        var blob = reader.GetBlobReader(member.Signature);
        var header = blob.ReadSignatureHeader();
        if (header.IsGeneric)
        {
            blob.ReadCompressedInteger();
        }

        return blob.ReadCompressedInteger();
    }
}
