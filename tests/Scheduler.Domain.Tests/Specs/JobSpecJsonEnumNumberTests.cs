using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Tests.Specs;

public sealed class JobSpecJsonEnumNumberTests
{
    [Theory]
    [InlineData("""{"training":{"precision":1}}""", "training.precision")]
    [InlineData("""{"training":{"optimizer":0}}""", "training.optimizer")]
    [InlineData("""{"model":{"mlp":"1"}}""", "model.mlp")]
    public void Refuses_enum_numbers_naming_the_field(string json, string field)
    {
        var (spec, error) = JobSpecJson.Parse(json);

        Assert.Null(spec);
        Assert.Equal(field, error!.Field);
    }
}
