using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Reach.Analysis.Export;

/// <summary>Writes a <see cref="CascadeExport"/> as JSON, GraphML or GEXF 1.3 (formats Gephi, yEd, NetworkX and igraph read).</summary>
public static class CascadeWriters
{
    public static void WriteJson(CascadeExport cascade, Stream output)
    {
        using var writer = new Utf8JsonWriter(output);
        var depths = cascade.Depths();
        writer.WriteStartObject();
        writer.WriteString("postId", cascade.RootPostId);
        writer.WriteStartArray("nodes");
        for (var i = 0; i < cascade.NodeCount; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("id", cascade.PostIds[i]);
            writer.WriteString("accountId", cascade.AccountIds[i]);
            writer.WriteString("kind", CascadeExport.KindName(cascade.Kinds[i]));
            writer.WriteString("at", Time(cascade.Times[i]));
            writer.WriteNumber("depth", depths[i]);
            writer.WriteEndObject();
            FlushWhenLarge(writer);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("edges");
        for (var i = 1; i < cascade.NodeCount; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("source", cascade.PostIds[cascade.Parents[i]]);
            writer.WriteString("target", cascade.PostIds[i]);
            writer.WriteString("attribution", CascadeExport.AttributionName(cascade.Attributions[i]));
            writer.WriteEndObject();
            FlushWhenLarge(writer);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteGraphMl(CascadeExport cascade, Stream output)
    {
        using var xml = XmlWriter.Create(output, Settings);
        var depths = cascade.Depths();
        const string Ns = "http://graphml.graphdrawing.org/xmlns";
        xml.WriteStartDocument();
        xml.WriteStartElement("graphml", Ns);
        Key(xml, "account", "node", "accountId", "string");
        Key(xml, "kind", "node", "kind", "string");
        Key(xml, "at", "node", "at", "string");
        Key(xml, "depth", "node", "depth", "int");
        Key(xml, "attribution", "edge", "attribution", "string");
        xml.WriteStartElement("graph", Ns);
        xml.WriteAttributeString("id", cascade.RootPostId);
        xml.WriteAttributeString("edgedefault", "directed");
        for (var i = 0; i < cascade.NodeCount; i++)
        {
            xml.WriteStartElement("node", Ns);
            xml.WriteAttributeString("id", cascade.PostIds[i]);
            Data(xml, "account", cascade.AccountIds[i]);
            Data(xml, "kind", CascadeExport.KindName(cascade.Kinds[i]));
            Data(xml, "at", Time(cascade.Times[i]));
            Data(xml, "depth", depths[i].ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
        }

        for (var i = 1; i < cascade.NodeCount; i++)
        {
            xml.WriteStartElement("edge", Ns);
            xml.WriteAttributeString("source", cascade.PostIds[cascade.Parents[i]]);
            xml.WriteAttributeString("target", cascade.PostIds[i]);
            Data(xml, "attribution", CascadeExport.AttributionName(cascade.Attributions[i]));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();

        static void Key(XmlWriter xml, string id, string scope, string name, string type)
        {
            xml.WriteStartElement("key", Ns);
            xml.WriteAttributeString("id", id);
            xml.WriteAttributeString("for", scope);
            xml.WriteAttributeString("attr.name", name);
            xml.WriteAttributeString("attr.type", type);
            xml.WriteEndElement();
        }

        static void Data(XmlWriter xml, string key, string value)
        {
            xml.WriteStartElement("data", Ns);
            xml.WriteAttributeString("key", key);
            xml.WriteString(value);
            xml.WriteEndElement();
        }
    }

    public static void WriteGexf(CascadeExport cascade, Stream output)
    {
        using var xml = XmlWriter.Create(output, Settings);
        var depths = cascade.Depths();
        const string Ns = "http://gexf.net/1.3";
        xml.WriteStartDocument();
        xml.WriteStartElement("gexf", Ns);
        xml.WriteAttributeString("version", "1.3");
        xml.WriteStartElement("meta", Ns);
        xml.WriteElementString("creator", Ns, "Reach");
        xml.WriteElementString("description", Ns, $"Repost cascade of {cascade.RootPostId}");
        xml.WriteEndElement();
        xml.WriteStartElement("graph", Ns);
        xml.WriteAttributeString("defaultedgetype", "directed");
        xml.WriteAttributeString("mode", "static");
        Attributes(xml, "node", [("0", "accountId", "string"), ("1", "kind", "string"), ("2", "at", "string"), ("3", "depth", "integer")]);
        Attributes(xml, "edge", [("0", "attribution", "string")]);
        xml.WriteStartElement("nodes", Ns);
        for (var i = 0; i < cascade.NodeCount; i++)
        {
            xml.WriteStartElement("node", Ns);
            xml.WriteAttributeString("id", cascade.PostIds[i]);
            xml.WriteAttributeString("label", cascade.AccountIds[i]);
            Values(xml, [cascade.AccountIds[i], CascadeExport.KindName(cascade.Kinds[i]), Time(cascade.Times[i]), depths[i].ToString(CultureInfo.InvariantCulture)]);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("edges", Ns);
        for (var i = 1; i < cascade.NodeCount; i++)
        {
            xml.WriteStartElement("edge", Ns);
            xml.WriteAttributeString("id", (i - 1).ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("source", cascade.PostIds[cascade.Parents[i]]);
            xml.WriteAttributeString("target", cascade.PostIds[i]);
            Values(xml, [CascadeExport.AttributionName(cascade.Attributions[i])]);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();

        static void Attributes(XmlWriter xml, string scope, (string Id, string Title, string Type)[] attributes)
        {
            xml.WriteStartElement("attributes", Ns);
            xml.WriteAttributeString("class", scope);
            foreach (var (id, title, type) in attributes)
            {
                xml.WriteStartElement("attribute", Ns);
                xml.WriteAttributeString("id", id);
                xml.WriteAttributeString("title", title);
                xml.WriteAttributeString("type", type);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        static void Values(XmlWriter xml, string[] values)
        {
            xml.WriteStartElement("attvalues", Ns);
            for (var i = 0; i < values.Length; i++)
            {
                xml.WriteStartElement("attvalue", Ns);
                xml.WriteAttributeString("for", i.ToString(CultureInfo.InvariantCulture));
                xml.WriteAttributeString("value", values[i]);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }
    }

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        CloseOutput = false,
    };

    private static string Time(long ticks) =>
        new DateTimeOffset(ticks, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void FlushWhenLarge(Utf8JsonWriter writer)
    {
        if (writer.BytesPending > 1 << 16)
        {
            writer.Flush();
        }
    }
}
