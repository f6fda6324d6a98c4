using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Scheduler.Trainer.Compute.Ilgpu;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// The PTX of every kernel assembled to machine code by NVIDIA's ptxas (CUDA 11.8) for sm_80 (A100) and sm_90 (H100),
/// warnings as errors; registers, spills and shared memory per kernel go to .tools/cuda/ptxas-report.md (make
/// check-cuda prints it; docs/trainer.md quotes it).
/// </summary>
public sealed partial class PtxasAssemblyTests(CudaTools tools) : IClassFixture<CudaTools>
{
    /// <summary>Registers of one multiprocessor (and the most one block may use) on sm_80 and sm_90.</summary>
    private const int RegistersPerBlock = 65536;

    private sealed record Assembled(string Kernel, string Paths, string Architecture, int Registers, int StackFrame, int SpillStores, int SpillLoads, int SharedBytes);

    [Fact]
    public async Task Every_kernel_assembles_for_sm_80_and_sm_90_without_spills()
    {
        var ptxas = tools.Ptxas;
        var work = Directory.CreateTempSubdirectory("ptxas-");
        var results = new List<Assembled>();
        var problems = new List<string>();
        try
        {
            using var compiler = new PtxCompiler();
            foreach (var kernel in CudaKernelCatalog.All)
            {
                foreach (var architecture in PtxCompiler.Architectures.Keys)
                {
                    var ptx = compiler.Compile(kernel, architecture);
                    var source = Path.Combine(work.FullName, $"{kernel.Name}.{architecture}.ptx");
                    await File.WriteAllTextAsync(source, ptx.Assembly, TestContext.Current.CancellationToken);
                    var (exit, output) = await RunAsync(ptxas, $"-arch={architecture}", "-v", "--warning-as-error", "-o", source + ".cubin", source);
                    if (exit != 0)
                    {
                        problems.Add($"{kernel.Name} ({architecture}): ptxas exited {exit}:\n{output}");
                        continue;
                    }

                    var assembled = Parse(kernel, architecture, output);
                    results.Add(assembled);
                    if (assembled.SpillStores + assembled.SpillLoads > 0)
                    {
                        problems.Add($"{kernel.Name} ({architecture}) spills: {assembled.SpillStores} B stored, {assembled.SpillLoads} B loaded");
                    }

                    // Explicitly grouped kernels launch MaxGroupSize threads whatever their register count; ILGPU sizes the others by occupancy.
                    if (kernel.Grouping == KernelGrouping.Explicit && assembled.Registers * IlgpuRowKernels.MaxGroupSize > RegistersPerBlock)
                    {
                        problems.Add($"{kernel.Name} ({architecture}): {assembled.Registers} registers × {IlgpuRowKernels.MaxGroupSize} threads exceed {RegistersPerBlock}");
                    }
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }

        await File.WriteAllTextAsync(Path.Combine(tools.Root, "ptxas-report.md"), Report(results), TestContext.Current.CancellationToken);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(CudaKernelCatalog.All.Count * PtxCompiler.Architectures.Count, results.Count);
    }

    private static Assembled Parse(CudaKernel kernel, string architecture, string output)
    {
        var registers = Registers().Match(output);
        var spills = Spills().Match(output);
        Assert.True(registers.Success && spills.Success, $"unexpected ptxas -v output for {kernel.Name}:\n{output}");
        var shared = Shared().Match(output);
        int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
        return new Assembled(
            kernel.Name, kernel.Paths, architecture, Int(registers.Groups[1]), Int(spills.Groups[1]), Int(spills.Groups[2]), Int(spills.Groups[3]),
            shared.Success ? Int(shared.Groups[1]) : 0);
    }

    private static string Report(IEnumerable<Assembled> results)
    {
        var text = new StringBuilder("| kernel | paths | sm_80 registers | sm_90 registers | stack / spill stores / spill loads (B) | shared (B) |\n|---|---|---|---|---|---|\n");
        foreach (var kernel in results.GroupBy(r => r.Kernel))
        {
            var a = kernel.Single(r => r.Architecture == "sm_80");
            var h = kernel.Single(r => r.Architecture == "sm_90");
            text.Append(CultureInfo.InvariantCulture,
                $"| {a.Kernel} | {a.Paths} | {a.Registers} | {h.Registers} | {Math.Max(a.StackFrame, h.StackFrame)} / {Math.Max(a.SpillStores, h.SpillStores)} / {Math.Max(a.SpillLoads, h.SpillLoads)} | {h.SharedBytes} |\n");
        }

        return text.ToString();
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex Registers();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex Spills();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex Shared();
}
