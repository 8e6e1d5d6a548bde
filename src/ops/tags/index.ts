// The tags wing's front door: naming an image again in its repository, and deleting a tag or a manifest.

export { deleteImage, deleteTag, type Deleted } from './delete.js';
export { tagImage, type Retagged } from './retag.js';
