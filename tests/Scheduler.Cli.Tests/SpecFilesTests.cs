using Scheduler.Domain.Specs;

namespace Scheduler.Cli.Tests;

public sealed class SpecFilesTests
{
    [Fact]
    public void A_yaml_spec_reads_as_the_same_spec_as_its_json()
    {
        using var cli = new CliRun();
        var yaml = cli.WriteFile("job.yaml", """
            name: gpt2
            queue: research
            model:
              layers: 12
              hiddenSize: 768
              heads: 12
              mlp: gelu
              tiedEmbeddings: true
            training: { tokens: 1.0e9, globalBatchSize: 32 }
            resources: { gpuType: "A100-80GB", gpus: 1 }
            maxRuntime: PT12H
            """);
        var json = cli.WriteFile("job.json", """
            {"name":"gpt2","queue":"research","model":{"layers":12,"hiddenSize":768,"heads":12,"mlp":"gelu","tiedEmbeddings":true},
             "training":{"tokens":1.0e9,"globalBatchSize":32},"resources":{"gpuType":"A100-80GB","gpus":1},"maxRuntime":"PT12H"}
            """);

        var (fromYaml, error) = SpecFiles.Read(new FileInfo(yaml));

        Assert.Null(error);
        Assert.Equal(JobSpecJson.Serialize(SpecFiles.Read(new FileInfo(json)).Spec!), JobSpecJson.Serialize(fromYaml!));
    }

    [Fact]
    public void A_trainingjob_manifest_gives_its_spec_named_after_the_resource()
    {
        using var cli = new CliRun();
        var manifest = cli.WriteFile("job.yaml", """
            apiVersion: scheduler.example.org/v1
            kind: TrainingJob
            metadata: { name: from-manifest }
            spec:
              queue: research
              model: { layers: 12, hiddenSize: 768, heads: 12 }
              training: { tokens: 1000000000 }
              resources: { gpuType: A100-80GB, gpus: 1 }
            """);

        var (spec, error) = SpecFiles.Read(new FileInfo(manifest));

        Assert.Null(error);
        Assert.Equal("from-manifest", spec!.Name);
        Assert.Equal(12, spec.Model!.Layers);
    }

    [Theory]
    [InlineData("model: { layers: twelve }", "model.layers")]
    [InlineData("model: { layers: 12, colour: red }", "model.colour")]
    [InlineData("model: [unclosed", "$")]
    public void A_broken_yaml_spec_names_the_field(string yaml, string field)
    {
        using var cli = new CliRun();

        var (spec, error) = SpecFiles.Read(new FileInfo(cli.WriteFile("bad.yml", yaml)));

        Assert.Null(spec);
        Assert.Equal(field, error!.Field);
    }
}
