namespace Scheduler.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int InvalidSpec = 1;
    public const int Usage = 2;
}
