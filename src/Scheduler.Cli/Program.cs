// Entry point; filled in by its own issue.
Console.Error.WriteLine("Scheduler.Cli: not built yet");
return 2;
