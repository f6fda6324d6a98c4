using Mediator;
using Scheduler.Application;
using Scheduler.Application.Identity;

namespace Scheduler.Api.Hosting;

/// <summary>
/// The bootstrap of a local installation (<c>make run</c>): when <c>Scheduler:DataDir</c> is set and it holds no working admin
/// token, make the user <c>admin</c> a cluster admin, create a token for it and write it to <c>admin-token</c> there (mode
/// 0600), and say so in the log. The token is never logged.
/// </summary>
internal static class AdminTokenFile
{
    public const string FileName = "admin-token";
    public const string AdminUser = "admin";

    public static async Task EnsureAsync(IServiceProvider services, string dataDir, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            await using var scope = services.CreateAsyncScope();
            var existing = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            var check = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new AuthenticateApiToken(existing), cancellationToken);
            if (check.Identity is { ClusterAdmin: true })
            {
                logger.LogInformation("Admin token: {Path} (send it as Authorization: Bearer $(cat {Path}))", path, path);
                return;
            }
        }

        var token = await services.CreateAdminTokenAsync(AdminUser, "bootstrap (make run)", cancellationToken);
        Directory.CreateDirectory(dataDir);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            await file.WriteAsync(token);
        }

        logger.LogWarning("Created a cluster-admin API token for user '{User}' in {Path} (mode 0600); send it as Authorization: Bearer $(cat {Path})", AdminUser, path, path);
    }
}
