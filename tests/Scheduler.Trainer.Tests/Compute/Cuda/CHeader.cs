using System.Globalization;
using System.Text.RegularExpressions;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>How a C parameter or field is passed on x86-64 Linux (LP64): what a P/Invoke must match.</summary>
internal enum CWidth
{
    Pointer,
    Int32,
    Int64,
    UInt64,
    SizeT,
    Float,
}

internal sealed record CParameter(string Type, string Name, CWidth Width);

internal sealed record CPrototype(string Name, string ReturnType, IReadOnlyList<CParameter> Parameters);

/// <summary>
/// Just enough of a C header reader for cuBLAS's API headers: exported prototypes (<c>cublasStatus_t CUBLASWINAPI name(...)</c>),
/// enumerator values, the typedefs that are pointers or enums, and plain struct fields. Not a C parser: the headers'
/// declarations are regular, and anything it cannot classify fails the test rather than passing it.
/// </summary>
internal sealed partial class CHeader
{
    private readonly string _raw;
    private readonly string _code;
    private readonly HashSet<string> _pointerTypes = ["cudaStream_t"]; // from driver_types.h: struct CUstream_st*
    private readonly HashSet<string> _enumTypes = [];

    public CHeader(params string[] paths)
    {
        _raw = string.Join("\n", paths.Select(File.ReadAllText));
        _code = Comment().Replace(_raw, " ");
        foreach (Match m in PointerTypedef().Matches(_code))
        {
            _pointerTypes.Add(m.Groups["name"].Value);
        }

        foreach (Match m in EnumTypedef().Matches(_code))
        {
            _enumTypes.Add(m.Groups["name"].Value);
            if (m.Groups["tag"].Success)
            {
                _enumTypes.Add(m.Groups["tag"].Value);
            }
        }

        // typedef cudaDataType_t cudaDataType; and the like.
        foreach (Match m in AliasTypedef().Matches(_code))
        {
            if (_enumTypes.Contains(m.Groups["target"].Value))
            {
                _enumTypes.Add(m.Groups["name"].Value);
            }
        }
    }

    /// <summary>The exported declaration of <paramref name="name"/> (not the C++ <c>static inline</c> overloads), or null.</summary>
    public CPrototype? Prototype(string name)
    {
        var match = Regex.Match(_code, $@"(?:CUBLASAPI\s+)?(?<ret>cublasStatus_t)\s+CUBLASWINAPI\s+{Regex.Escape(name)}\s*\((?<params>[^)]*)\)\s*;");
        if (!match.Success)
        {
            return null;
        }

        var parameters = match.Groups["params"].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != "void")
            .Select(Parameter)
            .ToList();
        return new CPrototype(name, match.Groups["ret"].Value, parameters);
    }

    /// <summary>The value of an enumerator written as <c>NAME = value</c>.</summary>
    public long EnumValue(string name)
    {
        var match = Regex.Match(_code, $@"\b{Regex.Escape(name)}\s*=\s*(?<value>-?(?:0x[0-9a-fA-F]+|\d+))\s*[,}}]");
        Assert.True(match.Success, $"enumerator {name} not found with an explicit value");
        var text = match.Groups["value"].Value;
        var negative = text.StartsWith('-');
        text = text.TrimStart('-');
        var value = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(text, CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    /// <summary>The value type an attribute enumerator's documentation names (<c>int32_t, default: …</c>), e.g. for cuBLASLt attributes.</summary>
    public string DocumentedType(string enumerator)
    {
        var match = Regex.Match(_raw, $@"/\*\*(?<doc>(?:(?!\*/).)*)\*/\s*{Regex.Escape(enumerator)}\s*=", RegexOptions.Singleline);
        Assert.True(match.Success, $"no documentation comment before {enumerator}");
        var type = Regex.Match(match.Groups["doc"].Value, @"\*\s*(?<type>u?int(?:8|16|32|64)_t|float|double|void\s*\*)\b");
        Assert.True(type.Success, $"the comment before {enumerator} names no value type");
        return type.Groups["type"].Value;
    }

    /// <summary>The fields of <c>typedef struct { … } name;</c>, in order: (type, name, array length).</summary>
    public IReadOnlyList<(string Type, string Name, int Count)> StructFields(string name)
    {
        var match = Regex.Match(_code, $@"typedef\s+struct\s*\w*\s*\{{(?<body>[^}}]*)\}}\s*{Regex.Escape(name)}\s*;");
        Assert.True(match.Success, $"struct {name} not found");
        return match.Groups["body"].Value
            .Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(field =>
            {
                var m = Regex.Match(field, @"^(?<type>.+?)\s+(?<name>\w+)\s*(?:\[(?<count>\d+)\])?$", RegexOptions.Singleline);
                Assert.True(m.Success, $"cannot read field '{field}' of {name}");
                var count = m.Groups["count"].Success ? int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) : 1;
                return (Normalise(m.Groups["type"].Value), m.Groups["name"].Value, count);
            })
            .ToList();
    }

    /// <summary>Size and alignment of a field type on x86-64 Linux.</summary>
    public (int Size, int Align) Layout(string type)
    {
        if (type.Contains('*', StringComparison.Ordinal) || _pointerTypes.Contains(type))
        {
            return (8, 8);
        }

        if (_enumTypes.Contains(type))
        {
            return (4, 4);
        }

        return type switch
        {
            "int" or "int32_t" or "uint32_t" or "float" => (4, 4),
            "int64_t" or "uint64_t" or "size_t" or "long long int" or "double" => (8, 8),
            _ => StructLayout(type),
        };
    }

    private (int Size, int Align) StructLayout(string type)
    {
        int offset = 0, align = 1;
        foreach (var (fieldType, _, count) in StructFields(type))
        {
            var (size, fieldAlign) = Layout(fieldType);
            offset = (offset + fieldAlign - 1) / fieldAlign * fieldAlign + size * count;
            align = Math.Max(align, fieldAlign);
        }

        return ((offset + align - 1) / align * align, align);
    }

    private CParameter Parameter(string declaration)
    {
        // "const void* alpha", "cublasLtMatmulHeuristicResult_t heuristicResultsArray[]", "long long int strideA"
        var array = declaration.EndsWith("[]", StringComparison.Ordinal);
        var text = array ? declaration[..^2].TrimEnd() : declaration;
        var m = Regex.Match(text, @"^(?<type>.+?)\s*(?<name>\b\w+)$", RegexOptions.Singleline);
        Assert.True(m.Success, $"cannot read parameter '{declaration}'");
        var type = Normalise(m.Groups["type"].Value);
        return new CParameter(type, m.Groups["name"].Value, array ? CWidth.Pointer : Width(type));
    }

    private CWidth Width(string type)
    {
        if (type.Contains('*', StringComparison.Ordinal) || _pointerTypes.Contains(type))
        {
            return CWidth.Pointer;
        }

        if (_enumTypes.Contains(type))
        {
            return CWidth.Int32; // a C enum is an int in the System V x86-64 ABI
        }

        return type switch
        {
            "int" or "int32_t" => CWidth.Int32,
            "int64_t" or "long long int" or "long long" => CWidth.Int64,
            "uint64_t" => CWidth.UInt64,
            "size_t" => CWidth.SizeT,
            "float" => CWidth.Float,
            _ => throw new InvalidOperationException($"unknown C type '{type}': teach {nameof(CHeader)} its width"),
        };
    }

    private static string Normalise(string type) =>
        Whitespace().Replace(type.Replace("const ", " ", StringComparison.Ordinal).Replace(" *", "*", StringComparison.Ordinal), " ").Trim();

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"typedef\s+(?:struct\s+)?\w+\s*\*\s*(?<name>\w+)\s*;")]
    private static partial Regex PointerTypedef();

    [GeneratedRegex(@"typedef\s+enum\s*(?<tag>\w+)?\s*\{[^}]*\}\s*(?<name>\w+)\s*;")]
    private static partial Regex EnumTypedef();

    [GeneratedRegex(@"typedef\s+(?<target>\w+)\s+(?<name>\w+)\s*;")]
    private static partial Regex AliasTypedef();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
