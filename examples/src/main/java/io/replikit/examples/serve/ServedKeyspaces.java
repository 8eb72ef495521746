package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.replikit.sharding.ShardedKeyspace;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sharded keyspaces a {@code replikit serve} node hosts ({@code replikit.serve.sharding.keyspaces}), each with
 * the defaults of {@code replikit.sharding} for what it does not set. Read and checked once at startup; every error
 * names the path that was wrong.
 */
public record ServedKeyspaces(List<ShardedKeyspace> keyspaces, java.util.Map<String, Family> families) {
  /** The replication family of a keyspace's groups ({@code family = single-leader | leaderless | multi-leader}). */
  public enum Family {
    SINGLE_LEADER("single-leader"), LEADERLESS("leaderless"), MULTI_LEADER("multi-leader");

    private final String label;

    Family(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    static Family parse(String where, String value) {
      for (Family f : values()) {
        if (f.label.equals(value.trim())) {
          return f;
        }
      }
      throw new IllegalArgumentException(where + ": '" + value + "' is not a family (single-leader, leaderless, "
          + "multi-leader)");
    }
  }

  static final String PATH = ServeSettings.SECTION + ".sharding.keyspaces";
  // a keyspace name is a URL segment, part of entity and persistence ids (<name>-p<p>-r<i>)
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public ServedKeyspaces {
    keyspaces = List.copyOf(keyspaces);
    families = java.util.Map.copyOf(families);
  }

  /** The family of keyspace {@code name} (single-leader unless configured). */
  public Family familyOf(String name) {
    return families.getOrDefault(name, Family.SINGLE_LEADER);
  }

  /**
   * Reads {@value #PATH} from {@code config} (which includes the reference.conf files of core-actors and examples).
   *
   * @param groupIds the ids of the groups, rings and multi-leader groups the node hosts: a keyspace may not share one (both answer at
   *     {@code /kv/{name}/...})
   * @throws IllegalArgumentException naming the path and what was wrong
   */
  public static ServedKeyspaces fromConfig(Config config, Collection<String> groupIds) {
    List<? extends Config> list;
    try {
      list = config.getConfigList(PATH);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(PATH + " must be a list of { name = ..., family = ..., partitions = N, "
          + "replicas = N }: "
          + e.getMessage(), e);
    }
    List<ShardedKeyspace> out = new ArrayList<>();
    java.util.Map<String, Family> families = new java.util.HashMap<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Config k = list.get(i);
      String where = PATH + "[" + i + "]";
      String name;
      try {
        name = k.getString("name").trim();
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + " needs a name (a string): " + e.getMessage(), e);
      }
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(where + ".name: '" + name
            + "' must be 1 to 64 letters, digits, '_' or '-'");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(where + ": keyspace '" + name + "' is configured twice");
      }
      if (groupIds.contains(name)) {
        throw new IllegalArgumentException(where + ": keyspace '" + name + "' is also the id of a group, ring or "
            + "multi-leader group this node hosts; both would answer at /kv/" + name + "/...: rename one");
      }
      for (String key : k.root().keySet()) {
        if (!Set.of("name", "family", "partitions", "replicas").contains(key)) {
          throw new IllegalArgumentException(where + "." + key + " is not a keyspace setting (name, family, "
              + "partitions, replicas; the rest comes from replikit.sharding and the family's section)");
        }
      }
      try {
        families.put(name, k.hasPath("family") ? Family.parse(where + ".family", k.getString("family"))
            : Family.SINGLE_LEADER);
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + ".family must be a string: " + e.getMessage(), e);
      }
      ShardedKeyspace keyspace;
      try {
        keyspace = ShardedKeyspace.fromConfig(name, config);
        if (k.hasPath("partitions")) {
          keyspace = keyspace.withPartitions(k.getInt("partitions"));
        }
        if (k.hasPath("replicas")) {
          keyspace = keyspace.withReplicas(k.getInt("replicas"));
        }
      } catch (ConfigException e) {
        throw new IllegalArgumentException(where + ": partitions and replicas must be whole numbers: "
            + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      out.add(keyspace);
    }
    return new ServedKeyspaces(out, families);
  }
}
