using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Tests.Specs;

public sealed class JobSpecJsonTests
{
    [Theory]
    [InlineData("""{"name":"a","resources":{"gpus":"eight"}}""", "resources.gpus")]
    [InlineData("""{"name":"a","resources":{"gpuz":1}}""", "resources.gpuz")]
    [InlineData("""{"name":"a","colour":"red"}""", "colour")]
    [InlineData("""{"training":{"precision":"fp4"}}""", "training.precision")]
    [InlineData("""{"training":{"tokens":NaN}}""", "training.tokens")]
    [InlineData("""{"name":"a","":1}""", "$")]
    [InlineData("""{"resources":{"":1}}""", "resources")]
    [InlineData("""{"resources":{"gpus":1,"gpus":4096}}""", "resources.gpus")]
    public void Names_the_field_the_deserializer_refused(string json, string field)
    {
        var (spec, error) = JobSpecJson.Parse(json);

        Assert.Null(spec);
        Assert.Equal(field, error!.Field);
    }

    // "\ud800" alone is no character: it was refused as "the wrong type or an unknown value", which names no rule.
    [Theory]
    [InlineData("""{"name":"a\ud800b"}""", "name")]
    [InlineData("""{"container":{"env":{"A":"x\udc00"}}}""", "container.env.A")]
    public void A_lone_surrogate_is_refused_as_invalid_unicode(string json, string field)
    {
        var (spec, error) = JobSpecJson.Parse(json);

        Assert.Null(spec);
        Assert.Equal(field, error!.Field);
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_the_hyphenated_enum_names_of_the_design()
    {
        var (spec, error) = JobSpecJson.Parse("""{"training":{"precision":"bf16-pure","optimizer":"adamw-8bit"}}""");

        Assert.Null(error);
        Assert.Equal(Precision.Bf16Pure, spec!.Training!.Precision);
        Assert.Equal(OptimizerKind.AdamW8Bit, spec.Training.Optimizer);
        Assert.Contains("\"bf16-pure\"", JobSpecJson.Serialize(spec), StringComparison.Ordinal);
    }
}
