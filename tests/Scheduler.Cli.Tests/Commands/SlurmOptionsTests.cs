using Scheduler.Cli.Commands;
using Scheduler.Domain.Specs;

namespace Scheduler.Cli.Tests.Commands;

public sealed class SlurmOptionsTests
{
    [Theory]
    [InlineData("0-99%8", 100, 8)]
    [InlineData("0-99", 100, null)]
    [InlineData("0-0", 1, null)]
    [InlineData("0-9999%1", 10_000, 1)]
    public void Reads_an_sbatch_array_range_as_count_and_parallelism(string text, int count, int? parallelism)
    {
        var (array, error) = SlurmOptions.ParseArray(text);

        Assert.Null(error);
        Assert.Equal(new ArraySpec { Count = count, Parallelism = parallelism }, array);
    }

    [Theory]
    [InlineData("1-100", "start at 0")]
    [InlineData("0-10000", "1 to 10000 tasks")]
    [InlineData("0-9%0", "at least 1")]
    [InlineData("ten", "must be a range")]
    [InlineData("0-x", "must be a range")]
    [InlineData("1,3,5", "must be a range")]
    public void Refuses_an_array_it_cannot_honour_saying_why(string text, string says)
    {
        var (array, error) = SlurmOptions.ParseArray(text);

        Assert.Null(array);
        Assert.Contains(says, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_sbatch_dependencies_with_several_jobs_per_type_and_singleton()
    {
        var id = Guid.NewGuid().ToString();

        var (parsed, error) = SlurmOptions.ParseDependencies($"afterok:{id}:prep,afternotok:train,singleton");

        Assert.Null(error);
        Assert.True(parsed!.Singleton);
        Assert.Equal(
            [(DependencyType.AfterOk, id), (DependencyType.AfterOk, "prep"), (DependencyType.AfterNotOk, "train")],
            parsed.Dependencies.Select(d => (d.Type!.Value, d.Job!)));
    }

    [Theory]
    [InlineData("after:123")]
    [InlineData("afterok")]
    [InlineData("afterok:")]
    [InlineData("afterok:a::b")]
    public void Refuses_a_dependency_it_does_not_know(string text)
    {
        var (parsed, error) = SlurmOptions.ParseDependencies(text);

        Assert.Null(parsed);
        Assert.Contains("afterok:<job>", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90m", "PT90M")]
    [InlineData("12h", "PT12H")]
    [InlineData("2d", "P2D")]
    [InlineData("PT6H", "PT6H")]
    [InlineData("soon", "soon")]
    public void Reads_an_sbatch_time_limit_as_an_iso_duration_and_passes_anything_else_to_the_server(string text, string expected) =>
        Assert.Equal(expected, SlurmOptions.TimeLimit(text));
}
