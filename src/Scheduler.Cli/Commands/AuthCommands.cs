using System.CommandLine;
using Scheduler.Cli.Client;
using Scheduler.Cli.Config;

namespace Scheduler.Cli.Commands;

/// <summary><c>login</c>, <c>logout</c> and <c>whoami</c>: the server and bearer token the other commands use.</summary>
internal static class AuthCommands
{
    public static Command Login(CommandKit kit)
    {
        var server = new Option<string>("--server") { Description = "The control plane's base URL (http or https).", Required = true };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "A file holding an API token, sent as 'Authorization: Bearer' and read at every call." };
        var command = kit.Create("login", "Remember the server (and a token file) in the user's config folder, mode 0600.",
            "  gpusched login --server https://scheduler.example.org --token-file ~/.config/gpusched/token\n  gpusched login --server http://127.0.0.1:8080");
        command.Options.Add(server);
        command.Options.Add(tokenFile);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var url = parsed.GetValue(server)!;
            var file = parsed.GetValue(tokenFile);
            if (file is not null && !file.Exists)
            {
                throw CliException.Usage($"--token-file {file.FullName}: no such file");
            }

            var config = new CliConfig(url, file?.FullName);
            var (uri, token, _) = Resolve(kit.Context, config);
            using var client = SchedulerClient.Create(kit.Context, uri, token);
            // A call that needs the token once the server checks them; a refusal (401) leaves the old configuration alone.
            await client.ListQueuesAsync(cancellationToken);
            config.Save(kit.Context);
            kit.Context.Output.WriteLine($"Logged in to {uri} ({(token is null ? "no token" : "token from " + file!.FullName)}); configuration in {kit.Context.ConfigDirectory}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logout(CommandKit kit)
    {
        var command = kit.Create("logout", "Forget the stored server and token (the token file itself is left alone).", "  gpusched logout");
        command.SetAction(parsed =>
        {
            kit.Context.Output.WriteLine(CliConfig.Delete(kit.Context) ? "Logged out." : "Not logged in.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command WhoAmI(CommandKit kit)
    {
        var json = CommandKit.JsonOption();
        var command = kit.Create("whoami", "Who the server says you are (GET /api/v1/me): user, cluster admin or not, teams and roles; and the server and token used.",
            "  gpusched whoami\n  gpusched whoami --json");
        command.Options.Add(json);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var (server, token, source) = CliConfig.Resolve(kit.Context, parsed.GetValue(kit.Server));
            using var client = SchedulerClient.Create(kit.Context, server, token);
            // Refused (401 without or with a bad token) and unreachable servers end here with the server's problem or the cause.
            var me = await client.GetAsync<MeView>("api/v1/me", cancellationToken);
            var who = new Identity(server.ToString(), me.Name, me.ClusterAdmin, me.Teams, token is null ? null : source);
            if (parsed.GetValue(json))
            {
                Output.Terminal.WriteJson(kit.Context, who);
            }
            else
            {
                kit.Context.Output.WriteLine($"user:          {who.User}");
                kit.Context.Output.WriteLine($"cluster admin: {(who.ClusterAdmin ? "yes" : "no")}");
                kit.Context.Output.WriteLine($"teams:         {(who.Teams.Count == 0 ? "none" : string.Join(", ", who.Teams.Select(t => $"{t.Team} ({t.Role.ToLowerInvariant()})")))}");
                kit.Context.Output.WriteLine($"server:        {who.Server}");
                kit.Context.Output.WriteLine($"token:         {(who.TokenSource is null ? "none" : "from " + who.TokenSource)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (Uri, string?, string) Resolve(CliContext context, CliConfig config)
    {
        if (!Uri.TryCreate(config.Server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliException.Usage($"--server '{config.Server}' is not an http(s) URL");
        }

        var token = config.TokenFile is { } file ? File.ReadAllText(file).Trim() : null;
        return (uri, token, config.TokenFile ?? "none");
    }

    private sealed record Identity(string Server, string User, bool ClusterAdmin, IReadOnlyList<TeamGrantView> Teams, string? TokenSource);
}
