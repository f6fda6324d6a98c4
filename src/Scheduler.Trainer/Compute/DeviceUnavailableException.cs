namespace Scheduler.Trainer.Compute;

/// <summary>The requested device or one of its libraries (CUDA driver, cuBLAS) is missing.</summary>
internal sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
