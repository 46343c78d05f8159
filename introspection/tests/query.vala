/* query.vala: one active-learning round from Vala through lightly-1.0.vapi.
 *
 * Embeddings go in from memory (a float[] as Bytes), the agent picks 5 of 40.
 * Built and run by the introspection tests and by tests/install/run.sh.
 */
int main (string[] args) {
  try {
    var dir = DirUtils.make_tmp ("lightly-vala-XXXXXX");
    var client = new Lightly.ApiWorkflowClient (Filename.to_uri (dir), null, null);
    client.create_dataset ("vala");

    const int N = 40;
    const int DIM = 3;
    string[] names = {};
    var csv = new StringBuilder ("filenames,embedding_0\n");
    float[] matrix = new float[N * DIM];
    for (int i = 0; i < N; i++) {
      names += "img-%02d.png".printf (i);
      csv.append_printf ("%s,0\n", names[i]);
      for (int j = 0; j < DIM; j++)
        matrix[i * DIM + j] = (float) ((i * (j + 3)) % 7 + 1);
    }
    var stream = new MemoryInputStream.from_data (csv.str.data);
    client.register_samples (stream);

    /* float[] → the bytes of the matrix: 4 per value. */
    unowned uint8[] raw = (uint8[]) matrix;
    raw.length = matrix.length * (int) sizeof (float);
    client.upload_embeddings_from_bytes (names, new Bytes (raw), N, DIM, "default");

    var agent = new Lightly.Agent (client, null, null);
    var config = new Lightly.SamplerConfig ();
    config.method = Lightly.SamplingMethod.CORESET;
    config.n_samples = 5;
    var result = agent.query (config, null);
    if (result.get_tag ().get_count () != 5) {
      stderr.printf ("expected 5 picks, got %u\n", result.get_tag ().get_count ());
      return 1;
    }
    print ("Vala: label next:");
    foreach (var name in result.get_added ())
      print (" %s", name);
    print ("\n");
  } catch (Error e) {
    stderr.printf ("Vala: %s\n", e.message);
    return 1;
  }
  return 0;
}
