package dev.shmstreams.examples.guide;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Keeps docs/guide.md honest: every code block introduced by {@code <!-- snippet: FILE#TAG -->} must
 * be, line for line, the region between the two {@code #TAG} marker lines of FILE (compiled, and run
 * by GuideSnippetsTest or the example ITs), and every key of every reference.conf must appear in the
 * configuration reference.
 */
class GuideDocTest
{
    private static final Path ROOT = Path.of(System.getProperty("shm.repository.root", ".."));
    private static final Pattern SNIPPET = Pattern.compile(
        "<!-- snippet: (\\S+)#(\\S+) -->\\n```(\\w+)\\n(.*?)```", Pattern.DOTALL);

    static String guide() throws IOException
    {
        return Files.readString(ROOT.resolve("docs/guide.md"));
    }

    /** @return the lines between the two marker lines of {@code tag}, without their common indentation. */
    static String region(final Path file, final String tag) throws IOException
    {
        final List<String> lines = Files.readAllLines(file);
        final List<Integer> markers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String trimmed = lines.get(i).trim();
            if (trimmed.equals("// #" + tag) || trimmed.equals("# #" + tag))
            {
                markers.add(i);
            }
        }
        assertEquals(2, markers.size(), "two '#" + tag + "' marker lines in " + file);
        final List<String> body = lines.subList(markers.get(0) + 1, markers.get(1));
        final int indent = body.stream().filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        final StringBuilder text = new StringBuilder();
        for (final String line : body)
        {
            text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return text.toString();
    }

    @Test
    void everySnippetIsTheTaggedRegionOfItsSourceFile() throws IOException
    {
        final Matcher matcher = SNIPPET.matcher(guide());
        int snippets = 0;
        while (matcher.find())
        {
            final Path file = ROOT.resolve(matcher.group(1));
            assertTrue(Files.isRegularFile(file), "snippet source " + file + " exists");
            assertEquals(region(file, matcher.group(2)), matcher.group(4),
                "docs/guide.md snippet " + matcher.group(1) + "#" + matcher.group(2) + " differs from its source");
            snippets++;
        }
        assertTrue(snippets >= 10, "the guide's code comes from snippets: found " + snippets);
    }

    @Test
    void everyJavaBlockInTheGuideIsASnippet() throws IOException
    {
        final String guide = guide();
        final Matcher blocks = Pattern.compile("(.*)\\n```java\\n").matcher(guide);
        while (blocks.find())
        {
            assertTrue(blocks.group(1).startsWith("<!-- snippet: "),
                "a Java block in docs/guide.md that is not a tested snippet, after: " + blocks.group(1));
        }
    }

    @Test
    void everyReferenceConfKeyIsInTheConfigurationReference() throws IOException
    {
        final String guide = guide();
        final List<String> missing = new ArrayList<>();
        for (final String module : List.of("shm-transport", "stream-sink", "stream-source"))
        {
            final Path conf = ROOT.resolve(module + "/src/main/resources/reference.conf");
            for (final Map.Entry<String, ConfigValue> entry : ConfigFactory.parseFile(conf.toFile()).entrySet())
            {
                if (!guide.contains("`" + entry.getKey() + "`"))
                {
                    missing.add(entry.getKey() + " (" + module + ")");
                }
            }
        }
        assertEquals(List.of(), missing, "reference.conf keys missing from docs/guide.md");
    }
}
