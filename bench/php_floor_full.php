<?php
// The fuller floor: what one bridge publication makes WordPress do, without HTTP: one PHP process
// (timed from before WordPress loads) uploading N PDFs with their attachment metadata, creating
// a category, and inserting N posts with slug, title, excerpt, that category and a ~1.3 KB block
// body linking the file. Run inside the site folder:
//   php bench/php_floor_full.php SITE_DIR PDF_FILE N
// Prints the seconds taken.
$start = microtime(true);
$site = $argv[1]; $pdf = $argv[2]; $n = (int) $argv[3];
$_SERVER['HTTP_HOST'] = 'localhost';
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/taxonomy.php';
wp_set_current_user(1);
$category = wp_create_category('ประกาศ floor');
$filler = str_repeat('ข้อความประกาศทดสอบ ', 20);
$bytes = file_get_contents($pdf);
for ($i = 0; $i < $n; $i++) {
    $upload = wp_upload_bits("floor-$i.pdf", null, $bytes);
    $attachment = wp_insert_attachment(array('post_mime_type' => 'application/pdf', 'post_title' => "เอกสาร $i",
                                             'post_name' => "pr-floor-$i-0123456789ab", 'post_status' => 'inherit'),
                                       $upload['file']);
    wp_update_attachment_metadata($attachment, wp_generate_attachment_metadata($attachment, $upload['file']));
    $body = "<!-- wp:paragraph -->\n<p>$filler</p>\n<!-- /wp:paragraph -->\n"
          . "<!-- wp:file {\"id\":$attachment} -->\n<div class=\"wp-block-file\"><a href=\"{$upload['url']}\">เอกสาร $i</a></div>\n<!-- /wp:file -->\n"
          . "<!-- wp:paragraph -->\n<p>$filler</p>\n<!-- /wp:paragraph -->";
    wp_insert_post(array('post_title' => "ประกาศ floor $i", 'post_name' => "pr-floor-$i", 'post_status' => 'publish',
                         'post_excerpt' => "ประกาศทดสอบ $i", 'post_content' => $body,
                         'post_category' => array($category)));
}
printf("%.3f\n", microtime(true) - $start);
