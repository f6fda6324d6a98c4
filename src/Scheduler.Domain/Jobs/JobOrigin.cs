namespace Scheduler.Domain.Jobs;

/// <summary>
/// The Kubernetes TrainingJob a job was submitted through; REST jobs have none. The job's pods run in
/// <see cref="Namespace"/>; <see cref="Uid"/> tells a resource from a later one of the same name;
/// <see cref="Generation"/> is the resource's <c>metadata.generation</c> whose spec was submitted.
/// </summary>
public sealed record JobOrigin(string Namespace, string Name, string Uid, long Generation);
