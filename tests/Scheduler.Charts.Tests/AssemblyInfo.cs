using Scheduler.Charts.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(ChartTools))]
