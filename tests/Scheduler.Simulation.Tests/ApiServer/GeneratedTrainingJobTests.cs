using System.Text.Json.Nodes;
using CsCheck;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Simulation.Cluster;
using Scheduler.Testing.Fuzzing;

namespace Scheduler.Simulation.Tests.ApiServer;

/// <summary>
/// The generator of the REST property tests (Scheduler.Testing/Fuzzing) on the CRD path: a sample of generated specs
/// applied as TrainingJobs with the real kubectl against the simulated cluster. What the cluster accepts, the REST
/// validator accepts, and the other way round.
/// </summary>
public sealed class GeneratedTrainingJobTests : IAsyncLifetime
{
    private const int Samples = 30;
    private static readonly JobSpecValidator Validator = new(GpuCatalog.Default, PriorityClasses.Default);
    private readonly string _dir = Directory.CreateTempSubdirectory("kubectl-fuzz").FullName;
    private SimulatedCluster _cluster = null!;
    private Support.Kubectl _kubectl = null!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions(), TestContext.Current.CancellationToken);
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        _cluster.WriteKubeconfig(kubeconfig);
        _kubectl = new Support.Kubectl(kubeconfig, Path.Combine(_dir, "cache"));
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Kubectl_apply_and_the_rest_validator_accept_and_refuse_the_same_generated_specs()
    {
        Support.Kubectl.SkipWhenAbsent();
        var index = 0;
        var tried = 0;

        await HostileSpecs.Bodies.SampleAsync(async body =>
        {
            if (!TryParseObject(body, out var spec))
            {
                return; // not a JSON object: nothing kubectl could send as a spec
            }

            var name = $"fz-{Interlocked.Increment(ref index)}";
            spec.Remove("name");
            var file = Path.Combine(_dir, name + ".json");
            var resource = new JsonObject
            {
                ["apiVersion"] = "gpu-scheduler.io/v1alpha1", ["kind"] = "TrainingJob",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" }, ["spec"] = spec,
            };
            await File.WriteAllTextAsync(file, resource.ToJsonString(), TestContext.Current.CancellationToken);
            var restAccepts = RestAccepts(spec, name);

            var apply = await _kubectl.RunAsync("apply", "-f", file);
            Interlocked.Increment(ref tried);

            Assert.True(restAccepts == (apply.ExitCode == 0),
                $"REST {(restAccepts ? "accepts" : "refuses")} but kubectl apply {(apply.ExitCode == 0 ? "succeeded" : "failed")}: {apply.Error}");
        }, iter: Samples, threads: 1, print: HostileSpecs.Describe);

        TestContext.Current.SendDiagnosticMessage($"{tried} generated TrainingJobs applied with kubectl");
        Assert.True(tried > Samples / 2, $"only {tried} of {Samples} generated bodies were JSON objects");
    }

    private static bool RestAccepts(JsonObject spec, string name)
    {
        var withName = spec.DeepClone().AsObject();
        withName["name"] = name;
        var (parsed, error) = JobSpecJson.Parse(withName.ToJsonString());
        return error is null && Validator.Check(parsed!).Count == 0;
    }

    private static bool TryParseObject(string body, out JsonObject spec)
    {
        spec = null!;
        try
        {
            if (JsonNode.Parse(body, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false }) is JsonObject obj)
            {
                spec = obj;
                return true;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return false;
    }
}
