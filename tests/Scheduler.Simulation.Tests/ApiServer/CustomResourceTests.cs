using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Simulation.ApiServer;
using Scheduler.Kubernetes.Tests.Support;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.ApiServer;

public sealed class CustomResourceTests : FakeServerTest
{
    [Fact]
    public async Task Creates_and_reads_a_training_job_through_the_typed_client()
    {
        var created = await Client.TrainingJobs().CreateAsync(Job(), Ct);
        var read = await Client.TrainingJobs().GetAsync("gpt2-small", "default", Ct);

        Assert.NotNull(read);
        Assert.Equal(1, read.Metadata.Generation);
        Assert.False(string.IsNullOrEmpty(read.Metadata.Uid));
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal("research", read.Spec.Queue);
        Assert.Null(read.Spec.Name);
        Assert.Equal("gpt2-small", read.ToJobSpec().Name);
        Assert.Equal(Job().Spec.Model, read.Spec.Model);
    }

    [Fact]
    public async Task Spec_enums_travel_with_their_wire_names()
    {
        var job = Job("pure", b => b.Training(t => t with { Precision = Precision.Bf16Pure, Optimizer = OptimizerKind.AdamW8Bit })
            .Model(m => m with { Mlp = MlpKind.SwiGlu, PositionEmbedding = PositionEmbedding.Rope }));

        await Client.TrainingJobs().CreateAsync(job, Ct);
        var raw = await Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("gpu-scheduler.io", "v1alpha1", "default", "trainingjobs", "pure", cancellationToken: Ct);
        var read = await Client.TrainingJobs().GetAsync("pure", "default", Ct);

        Assert.Equal("bf16-pure", raw.GetProperty("spec").GetProperty("training").GetProperty("precision").GetString());
        Assert.Equal("adamw-8bit", raw.GetProperty("spec").GetProperty("training").GetProperty("optimizer").GetString());
        Assert.Equal(Precision.Bf16Pure, read!.Spec.Training!.Precision);
        Assert.Equal(MlpKind.SwiGlu, read.Spec.Model!.Mlp);
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_AlreadyExists()
    {
        await Client.TrainingJobs().CreateAsync(Job(), Ct);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.TrainingJobs().CreateAsync(Job(), Ct));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("AlreadyExists", Status(error).Reason);
    }

    [Fact]
    public async Task A_missing_object_is_404_NotFound()
    {
        Assert.Null(await Client.TrainingJobs().GetAsync("nope", "default", Ct));
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("nope", "default", cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Equal("NotFound", Status(error).Reason);
        Assert.False(await Client.TrainingJobs().DeleteAsync("nope", "default", Ct));
    }

    [Theory]
    [InlineData("gpus-zero", "spec.resources.gpus")]
    [InlineData("milli-with-two-gpus", "spec.resources.gpuMilli")]
    [InlineData("product-mismatch", "spec.parallelism")]
    [InlineData("Upper-Case-Name", "metadata.name")]
    public async Task An_invalid_spec_is_422_with_a_cause_naming_the_field(string name, string field)
    {
        var job = name switch
        {
            "gpus-zero" => Job(name, b => b.Gpus(0)),
            "milli-with-two-gpus" => Job(name, b => b.Gpus(2).With(s => s with { Resources = s.Resources! with { GpuMilli = 500 } })),
            "product-mismatch" => Job(name, b => b.Gpus(8).Parallelism(p => p with { Data = 4 })),
            _ => Job("ok", b => b),
        };
        job.Metadata.Name = name;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.TrainingJobs().CreateAsync(job, Ct));

        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        var status = Status(error);
        Assert.Equal("Invalid", status.Reason);
        Assert.Contains(status.Details.Causes, c => c.Field == field);
        Assert.Contains(field, status.Message);
    }

    [Fact]
    public async Task Replacing_with_a_stale_resource_version_is_409_Conflict()
    {
        var created = await Client.TrainingJobs().CreateAsync(Job(), Ct);
        created.Spec = created.Spec with { PriorityClass = "high" };
        var updated = await Client.TrainingJobs().ReplaceAsync(created, Ct);

        created.Spec = created.Spec with { PriorityClass = "low" }; // still carries the old resourceVersion
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.TrainingJobs().ReplaceAsync(created, Ct));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("Conflict", Status(error).Reason);
        Assert.Equal(2, updated.Metadata.Generation);
    }

    [Fact]
    public async Task Status_writes_touch_only_the_status_and_spec_writes_ignore_it()
    {
        await Client.TrainingJobs().CreateAsync(Job(), Ct);
        var estimate = JsonSerializer.SerializeToElement(new { gpuHours = 12.5 });

        var afterStatus = await Client.TrainingJobs().PatchStatusAsync("gpt2-small", "default", new
        {
            spec = new { queue = "changed-through-status" },
            status = new { phase = "Running", jobId = "job-1", estimate, assignedNodes = new[] { "node-a" } },
        }, Ct);
        var afterSpec = await Client.TrainingJobs().PatchAsync("gpt2-small", "default", new V1Patch(new
        {
            spec = new { priorityClass = "high" },
            status = new { phase = "Failed" },
        }, V1Patch.PatchType.MergePatch), Ct);

        Assert.Equal(JobState.Running, afterStatus.Status!.Phase);
        Assert.Equal("research", afterStatus.Spec.Queue);
        Assert.Equal(1, afterStatus.Metadata.Generation);
        Assert.Equal(JobState.Running, afterSpec.Status!.Phase);
        Assert.Equal(12.5, afterSpec.Status.Estimate!.Value.GetProperty("gpuHours").GetDouble());
        Assert.Equal("high", afterSpec.Spec.PriorityClass);
        Assert.Equal(2, afterSpec.Metadata.Generation);
    }

    [Fact]
    public async Task Conditions_round_trip_through_the_status_subresource()
    {
        var job = await Client.TrainingJobs().CreateAsync(Job(), Ct);
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        job.Status = new TrainingJobStatus
        {
            Phase = JobState.Admitted,
            Conditions = TrainingJobConditions.Set(null, TrainingJobConditions.Admitted, true, "QuotaReserved", "8 A100-80GB reserved in research", now),
            PendingReason = null,
            Progress = new TrainingJobProgress { Step = 10, TotalSteps = 100, Fraction = 0.1 },
        };

        var written = await Client.TrainingJobs().ReplaceStatusAsync(job, Ct);

        Assert.True(TrainingJobConditions.IsTrue(written.Status!.Conditions, TrainingJobConditions.Admitted));
        Assert.Equal(10, written.Status.Progress!.Step);
    }

    [Fact]
    public async Task Json_patch_changes_one_member()
    {
        await Client.TrainingJobs().CreateAsync(Job(), Ct);

        var patched = await Client.TrainingJobs().PatchAsync("gpt2-small", "default", new V1Patch(
            """[{"op":"add","path":"/metadata/labels","value":{"team":"nlp"}},{"op":"add","path":"/spec/priorityClass","value":"low"},{"op":"test","path":"/spec/queue","value":"research"}]""",
            V1Patch.PatchType.JsonPatch), Ct);

        Assert.Equal("nlp", patched.Metadata.Labels["team"]);
        Assert.Equal("low", patched.Spec.PriorityClass);
    }

    [Fact]
    public async Task Gpu_queues_are_cluster_scoped_and_validated()
    {
        var queue = new GpuQueue
        {
            Metadata = new V1ObjectMeta { Name = "research" },
            Spec = new QueueSpec { Cohort = "ml", NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 16 }, FairShareWeight = 1 },
        };
        await Client.GpuQueues().CreateAsync(queue, Ct);
        var listed = await Client.GpuQueues().ListAsync(null, cancellationToken: Ct);

        queue.Metadata.Name = "bad";
        queue.Spec = queue.Spec with { NominalQuota = new Dictionary<string, int> { ["TPU-v5"] = 4 } };
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.GpuQueues().CreateAsync(queue, Ct));

        Assert.Equal(16, Assert.Single(listed.Items).Spec.NominalQuota!["H100-SXM"]);
        Assert.Contains(Status(error).Details.Causes, c => c.Field == "spec.nominalQuota.TPU-v5");
    }

    [Fact]
    public async Task A_gpu_queue_keeps_its_namespace_binding_and_a_broken_selector_is_refused_naming_the_field()
    {
        var queue = new GpuQueue
        {
            Metadata = new V1ObjectMeta { Name = "research" },
            Spec = new QueueSpec
            {
                NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 16 },
                Namespaces = ["team-a"],
                NamespaceSelector = new NamespaceSelector
                {
                    MatchLabels = new Dictionary<string, string> { ["team"] = "research" },
                    MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = LabelSelectorOperator.NotIn, Values = ["bronze"] }],
                },
            },
        };
        await Client.GpuQueues().CreateAsync(queue, Ct);
        var read = await Client.GpuQueues().GetAsync("research", null, Ct);

        queue.Metadata.Name = "broken";
        queue.Spec = queue.Spec with
        {
            NamespaceSelector = new NamespaceSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = LabelSelectorOperator.Exists, Values = ["gold"] }] },
        };
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.GpuQueues().CreateAsync(queue, Ct));

        Assert.Equal(["team-a"], read!.Spec.Namespaces);
        Assert.Equal("research", read.Spec.NamespaceSelector!.MatchLabels!["team"]);
        var requirement = Assert.Single(read.Spec.NamespaceSelector.MatchExpressions!);
        Assert.Equal(("tier", LabelSelectorOperator.NotIn), (requirement.Key, requirement.Operator));
        Assert.Equal(["bronze"], requirement.Values!);
        Assert.Contains(Status(error).Details.Causes, c => c.Field == "spec.namespaceSelector.matchExpressions[0].values");
    }

    [Fact]
    public async Task Unknown_fields_are_refused_when_strict_and_pruned_otherwise()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        const string body = """
            {"apiVersion":"gpu-scheduler.io/v1alpha1","kind":"TrainingJob","metadata":{"name":"x"},
             "spec":{"queue":"research","model":{"layers":2,"hiddenSize":64,"heads":2,"color":"blue"},"training":{"steps":10},"resources":{"gpuType":"T4","gpus":1}}}
            """;
        var strict = await http.PostAsync("/apis/gpu-scheduler.io/v1alpha1/namespaces/default/trainingjobs?fieldValidation=Strict", Json(body), Ct);
        var lenient = await http.PostAsync("/apis/gpu-scheduler.io/v1alpha1/namespaces/default/trainingjobs", Json(body), Ct);

        Assert.Equal((HttpStatusCode)422, strict.StatusCode);
        Assert.Contains("spec.model.color", await strict.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Created, lenient.StatusCode);
        Assert.DoesNotContain("color", await lenient.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Tables_carry_the_printer_columns()
    {
        await Client.TrainingJobs().CreateAsync(Job(), Ct);
        await Client.TrainingJobs().PatchStatusAsync("gpt2-small", "default", new { status = new { phase = "Queued", estimate = new { gpuHours = 3.5123 }, predictedGpuHours = 3.51 } }, Ct);
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis/gpu-scheduler.io/v1alpha1/namespaces/default/trainingjobs");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));

        using var response = await http.SendAsync(request, Ct);
        using var table = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        var columns = table.RootElement.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Name", "Queue", "Phase", "GPUs", "GPU-Type", "Pred-GPU-Hours", "Reason", "Age"], columns);
        var cells = table.RootElement.GetProperty("rows")[0].GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal("gpt2-small", cells[0].GetString());
        Assert.Equal("Queued", cells[2].GetString());
        Assert.Equal(1, cells[3].GetInt32());
        Assert.Equal(3.51, cells[5].GetDouble());
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static V1Status Status(HttpOperationException error) => KubernetesJson.Deserialize<V1Status>(error.Response.Content);
}
