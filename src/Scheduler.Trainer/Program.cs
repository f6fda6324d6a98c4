using Scheduler.Trainer.Hosting;

// Exit codes: 0 finished, 64 invalid spec or command line, 65 bad token file, 69 device missing, 75 preempted after a checkpoint.
return await TrainerCommandLine.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, CancellationToken.None);
