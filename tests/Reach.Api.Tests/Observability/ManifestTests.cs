using k8s;
using k8s.Models;
using Reach.Api.Observability;
using Reach.Grains;

namespace Reach.Api.Tests.Observability;

public sealed class ManifestTests
{
    private static readonly string Base = Repository.PathOf("k8s", "base");

    /// <summary>Every Kubernetes manifest of k8s/ (not the config files that go into ConfigMaps, nor kustomizations).</summary>
    public static TheoryData<string> Manifests()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.PathOf("k8s"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Repository.Root, file);
            if (Path.GetFileName(file) != "kustomization.yaml" && !relative.Contains("grafana/provisioning", StringComparison.Ordinal)
                && !relative.Contains("prometheus/reach-alerts", StringComparison.Ordinal))
            {
                data.Add(relative);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_manifest_parses_into_typed_Kubernetes_objects(string manifest)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Repository.PathOf(manifest)));

        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
        Assert.All(objects, o => Assert.False(string.IsNullOrEmpty(((IKubernetesObject<V1ObjectMeta>)o).Metadata.Name), $"{manifest}: an object without a name"));
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/local")]
    public async Task Kustomize_builds_objects_that_all_parse(string directory)
    {
        var output = await KustomizeAsync(directory);

        var objects = KubernetesYaml.LoadAllFromString(output);
        var kinds = objects.Select(o => o.GetType().Name).ToHashSet();
        Assert.Superset(new HashSet<string> { nameof(V1Deployment), nameof(V1StatefulSet), nameof(V1Service), nameof(V1PodDisruptionBudget), nameof(V1Job), nameof(V1ConfigMap), nameof(V1Secret) }, kinds);
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name[..c.Metadata.Name.LastIndexOf('-')]);
        Assert.Contains("reach-alerts.yaml", configMaps["prometheus-config"].Data.Keys);
        Assert.Equal(["reach-engine.json", "reach-watched-posts.json"], configMaps["grafana-dashboards"].Data.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_environment_variable_the_manifests_give_Reach_is_a_key_the_service_reads()
    {
        var objects = KubernetesYaml.LoadAllFromString(await KustomizeOrBaseAsync());
        var reachContainers = Containers(objects).Where(c => c.Image.StartsWith("reach", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, reachContainers.Count); // the service and the migration job
        foreach (var container in reachContainers)
        {
            Assert.All(container.Env, variable => Assert.True(ReachSettings.IsKnown(variable.Name), $"{container.Name}: {variable.Name} is read by nothing in the service"));
        }

        var service = reachContainers.Single(c => c.Name == "reach");
        Assert.Contains(service.Env, v => v.Name == ReachSettings.PodName && v.ValueFrom.FieldRef.FieldPath == "metadata.name");
        Assert.Contains(service.Env, v => v.Name == ReachSettings.PodIp && v.ValueFrom.FieldRef.FieldPath == "status.podIP");
        Assert.Contains(service.Env, v => v.Name == "Reach__ClusterId");
        Assert.Contains(service.Env, v => v.Name == "Reach__ServiceId");
        Assert.Equal(["migrate"], reachContainers.Single(c => c.Name == "migrate").Args);
    }

    [Fact]
    public async Task Probes_and_the_scrape_annotation_point_at_paths_and_the_port_the_service_serves()
    {
        var objects = KubernetesYaml.LoadAllFromString(await KustomizeOrBaseAsync());
        var deployment = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "reach");
        var container = deployment.Spec.Template.Spec.Containers.Single();
        var httpPort = container.Ports.Single(p => p.Name == "http").ContainerPort;

        Assert.Equal(httpPort.ToString(), container.Env.Single(e => e.Name == ReachSettings.HttpPorts).Value);
        Assert.Equal(Health.StartupPath, container.StartupProbe.HttpGet.Path);
        Assert.Equal(Health.ReadyPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(Health.LivePath, container.LivenessProbe.HttpGet.Path);
        Assert.All([container.StartupProbe, container.ReadinessProbe, container.LivenessProbe], probe => Assert.Equal("http", probe.HttpGet.Port.Value));

        var annotations = deployment.Spec.Template.Metadata.Annotations;
        Assert.Equal(ApiHosting.MetricsPath, annotations["prometheus.io/path"]);
        Assert.Equal(httpPort.ToString(), annotations["prometheus.io/port"]);

        // The grace period outlasts the silo's own shutdown timeout plus the preStop pause.
        var shutdown = TimeSpan.Parse(container.Env.Single(e => e.Name == "Reach__ShutdownTimeout").Value);
        Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > shutdown.TotalSeconds + container.Lifecycle.PreStop.Sleep.Seconds);
    }

    [Fact]
    public void The_Prometheus_deployment_mounts_the_config_that_names_the_alert_rules()
    {
        var config = File.ReadAllText(Path.Combine(Base, "prometheus", "prometheus.yml"));
        var deployment = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Base, "prometheus", "deployment.yaml"))).OfType<V1Deployment>().Single();
        var mount = deployment.Spec.Template.Spec.Containers.Single().VolumeMounts.Single(m => m.Name == "config").MountPath;

        Assert.Contains($"{mount}/reach-alerts.yaml", config, StringComparison.Ordinal);
        Assert.Contains($"--config.file={mount}/prometheus.yml", deployment.Spec.Template.Spec.Containers.Single().Args);
    }

    private static IEnumerable<V1Container> Containers(IEnumerable<object> objects) =>
        objects.OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers)
            .Concat(objects.OfType<V1StatefulSet>().SelectMany(s => s.Spec.Template.Spec.Containers))
            .Concat(objects.OfType<V1Job>().SelectMany(j => j.Spec.Template.Spec.Containers));

    /// <summary>kubectl kustomize where kubectl is installed, else the base's own manifests.</summary>
    private static async Task<string> KustomizeOrBaseAsync() =>
        ExternalTool.Find("kubectl") is not null
            ? await KustomizeAsync("overlays/local")
            : string.Join("\n---\n", Directory.GetFiles(Base, "*.yaml", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != "kustomization.yaml" && !f.Contains("prometheus/reach-alerts", StringComparison.Ordinal) && !f.Contains("grafana/provisioning", StringComparison.Ordinal))
                .Select(File.ReadAllText));

    private static async Task<string> KustomizeAsync(string directory)
    {
        if (ExternalTool.Find("kubectl") is not { } kubectl)
        {
            Assert.Skip("kubectl is not installed here; the manifests are still checked one by one");
            return "";
        }

        var (exit, output, errors) = await ExternalTool.RunAsync(kubectl, ["kustomize", Repository.PathOf("k8s", directory)]);
        Assert.True(exit == 0, errors);
        return output;
    }
}
