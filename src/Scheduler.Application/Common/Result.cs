using System.Diagnostics.CodeAnalysis;

namespace Scheduler.Application.Common;

/// <summary>What a use case answers: its value, or a <see cref="Common.Failure"/> the caller can show.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Failure is null;

    public static Result<T> Success(T value) => new(value, null);

    public static Result<T> Fail(Failure failure) => new(default, failure ?? throw new ArgumentNullException(nameof(failure)));

    public static implicit operator Result<T>(T value) => Success(value);

    public static implicit operator Result<T>(Failure failure) => Fail(failure);
}
