// Entry point; filled in by its own issue.
Console.Error.WriteLine("Scheduler.Trainer: not built yet");
return 2;
