namespace Scheduler.Cli.Tests;

/// <summary>
/// Compares output with <c>Golden/&lt;name&gt;</c> in the source tree. <c>UPDATE_GOLDEN=1</c> rewrites the files instead
/// (then review the diff): the files are the documented shape of the CLI's tables and JSON.
/// </summary>
internal static class Golden
{
    public static void Match(string name, string actual)
    {
        var path = Path.Combine(RepositoryPaths.Root, "tests", "Scheduler.Cli.Tests", "Golden", name);
        actual = Ids.Numbered(actual.ReplaceLineEndings("\n"));
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing; run the tests with UPDATE_GOLDEN=1 to write it");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
