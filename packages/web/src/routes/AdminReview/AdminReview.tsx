import { useParams, useSearchParams } from 'react-router';
import { parseReviewStatus } from '../../features/mpi/review-links.ts';
import { ReviewWorkspace } from '../../features/mpi/ReviewWorkspace.tsx';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/reviews/:reviewId`: one potential duplicate, compared side by side and decided. */
export function AdminReview() {
  const { reviewId = '' } = useParams();
  const [params] = useSearchParams();
  return (
    <AdminLayout title="Duplicate review">
      <ReviewWorkspace reviewId={reviewId} status={parseReviewStatus(params.get('status'))} />
    </AdminLayout>
  );
}
