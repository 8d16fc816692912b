<?php
// Builds the messy test site inside the local WordPress (run by tests/integration/messy_site.py
// with php-cli from the site folder): imports a WXR file with the vendored WordPress importer,
// then creates the Thai office categories and posts described by a JSON spec.
//
//   php build_site.php HOST SPEC.json WXR IMPORTER_DIR
//
// Prints one JSON object: {"terms": {key: term_id}, "posts": {key: post_id}, "imported": n}.
// Names are written to wp_terms afterwards, byte for byte, because WordPress itself trims and
// collapses spaces in new names (sanitize_text_field) and a messy site has names that older
// versions, imports and plugins stored as they were typed.

if ($argc !== 5) {
    fwrite(STDERR, "usage: php build_site.php HOST SPEC.json WXR IMPORTER_DIR\n");
    exit(2);
}
list(, $host, $spec_file, $wxr, $importer) = $argv;
$_SERVER['HTTP_HOST'] = $host;
define('WP_LOAD_IMPORTERS', true);
define('WP_IMPORTING', true);
require './wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once $importer . '/wordpress-importer.php';

function fail($message) {
    fwrite(STDERR, "build_site.php: $message\n");
    exit(1);
}

wp_set_current_user(1);  // the importer maps every author to the current user

// 1. The theme unit test data, through the importer as an administrator would run it, without
//    attachments (no network) and without its output page.
$before = (int) $wpdb->get_var("SELECT COUNT(*) FROM $wpdb->posts");
$import = new WP_Import();
$import->fetch_attachments = false;
ob_start();
$import->import($wxr);
$page = ob_get_clean();
if (strpos($page, 'All done') === false) {
    fail('the WordPress importer did not finish: ' . trim(wp_strip_all_tags($page)));
}
$imported = (int) $wpdb->get_var("SELECT COUNT(*) FROM $wpdb->posts") - $before;

// 2. The Thai office site.
$spec = json_decode(file_get_contents($spec_file), true);
if (!is_array($spec)) fail("$spec_file is not JSON");
$terms = [];
foreach ($spec['terms'] as $t) {
    $parent = $t['parent'] === null ? 0 : $terms[$t['parent']];
    $made = wp_insert_term('messy-' . $t['key'], 'category', ['parent' => $parent, 'description' => $t['description']]);
    if (is_wp_error($made)) fail("category {$t['key']}: " . $made->get_error_message());
    $id = (int) $made['term_id'];
    $term = get_term($id, 'category');
    // The slug WordPress would have given the name (percent-encoded, cut at 200 bytes, made unique).
    $slug = wp_unique_term_slug(sanitize_title($t['slug_from']), $term);
    $wpdb->update($wpdb->terms, ['name' => $t['name'], 'slug' => $slug], ['term_id' => $id]);
    foreach ($t['meta'] as $key => $value) add_term_meta($id, $key, $value);
    $terms[$t['key']] = $id;
}
$posts = [];
foreach ($spec['posts'] as $p) {
    // Trashed and missed-schedule posts are first made as WordPress makes every post, then
    // changed the way WordPress leaves them (trash) or as a failed cron leaves them (future
    // with a past date: WordPress itself would publish a past-dated future post on insert).
    $status = in_array($p['status'], ['trash', 'future'], true) ? 'publish' : $p['status'];
    $id = wp_insert_post([
        'post_title' => $p['title'],
        'post_content' => $p['content'],
        'post_status' => $status,
        'post_date' => $p['date'],
        'post_author' => 1,
        'post_category' => array_map(function ($k) use ($terms) { return $terms[$k]; }, $p['categories']),
    ], true);
    if (is_wp_error($id)) fail("post {$p['key']}: " . $id->get_error_message());
    if ($p['status'] === 'trash') {
        if (!wp_trash_post($id)) fail("post {$p['key']}: could not be trashed");
    } elseif ($p['status'] === 'future') {
        $wpdb->update($wpdb->posts, ['post_status' => 'future'], ['ID' => $id]);
        clean_post_cache($id);
    }
    $posts[$p['key']] = $id;
}
// Term counts as WordPress keeps them (published posts only), after the direct status changes.
$taxonomy_ids = array_map(function ($id) { return get_term($id, 'category')->term_taxonomy_id; }, array_values($terms));
wp_update_term_count_now($taxonomy_ids, 'category');
echo json_encode(['terms' => $terms, 'posts' => $posts, 'imported' => $imported]);
