using System.Text;

namespace Webhook.Diagnosis;

/// <summary>Removes ANSI escape sequences (colours, cursor moves, OSC titles) that coloured loggers write.</summary>
public static class AnsiStripper
{
    const char Esc = '\u001b';

    public static string Strip(string line)
    {
        if (line.IndexOf(Esc) < 0)
            return line;
        var sb = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != Esc) { sb.Append(line[i]); continue; }
            if (i + 1 >= line.Length) break;
            var kind = line[i + 1];
            if (kind == '[')
            {
                // CSI: parameters and intermediates, then one final byte in @..~
                var j = i + 2;
                while (j < line.Length && (line[j] < '@' || line[j] > '~')) j++;
                i = j;
            }
            else if (kind == ']')
            {
                // OSC: ends with BEL or ESC \
                var j = i + 2;
                while (j < line.Length && line[j] != '\a' && !(line[j] == Esc && j + 1 < line.Length && line[j + 1] == '\\')) j++;
                i = j < line.Length && line[j] == Esc ? j + 1 : j;
            }
            else
            {
                i++;
            }
        }
        return sb.ToString();
    }
}
