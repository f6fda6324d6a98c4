using System.CommandLine;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>completion bash|zsh</c>: a script the shell sources to complete gpusched's commands and options. The script asks
/// gpusched itself through System.CommandLine's <c>[suggest:N]</c> directive, so completions always follow the parser.
/// </summary>
internal static class CompletionCommand
{
    public const string Bash = """
        # gpusched completion for bash: source <(gpusched completion bash)
        _gpusched_complete() {
            local IFS=$'\n' cur="${COMP_WORDS[COMP_CWORD]}"
            # The parser suggests every name containing the word (que → requeue too); bash completes by prefix.
            COMPREPLY=( $(compgen -W "$(gpusched "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "$cur") )
        }
        complete -o default -F _gpusched_complete gpusched

        """;

    public const string Zsh = """
        #compdef gpusched
        # gpusched completion for zsh: source <(gpusched completion zsh)
        _gpusched() {
            local -a suggestions
            suggestions=(${(f)"$(gpusched "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)"})
            if (( ${#suggestions} )); then
                compadd -- "${suggestions[@]}"
            else
                _files
            fi
        }
        compdef _gpusched gpusched

        """;

    /// <summary>
    /// The shells pass the whole line, program name first (<c>[suggest:12] "gpusched que"</c>); the parser completes what
    /// follows the program, whatever name the process has (an apphost, <c>dotnet gpusched.dll</c>, a test host). Other
    /// arguments pass unchanged.
    /// </summary>
    public static string[] WithoutProgramName(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not [var directive, var line] || !directive.StartsWith("[suggest:", StringComparison.Ordinal) || !directive.EndsWith(']')
            || !int.TryParse(directive.AsSpan(9, directive.Length - 10), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position))
        {
            return args;
        }

        var start = line.Length - line.TrimStart().Length;
        var end = line.IndexOf(' ', start);
        var program = end < 0 ? line[start..] : line[start..end];
        if (!string.Equals(Path.GetFileNameWithoutExtension(program), "gpusched", StringComparison.Ordinal))
        {
            return args;
        }

        var cut = end < 0 ? line.Length : end + 1;
        return [$"[suggest:{Math.Max(0, position - cut).ToString(System.Globalization.CultureInfo.InvariantCulture)}]", line[cut..]];
    }

    public static Command Create(CommandKit kit)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = kit.Create("completion", "Print a shell completion script for bash or zsh (commands, options and their values).",
            "  source <(gpusched completion bash)            # in ~/.bashrc\n  source <(gpusched completion zsh)             # in ~/.zshrc, after compinit");
        command.Arguments.Add(shell);
        command.SetAction(parsed =>
        {
            kit.Context.Output.Write(parsed.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Ok;
        });
        return command;
    }
}
